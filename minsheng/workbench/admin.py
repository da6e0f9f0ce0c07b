"""The audit trail in the back office, read-only. It lives with the shells because exporting
checks roles (access), and access writes to the audit trail, so audit itself sits below access."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.access.selectors import user_has_role
from minsheng.audit.admin import AuditedAdmin
from minsheng.audit.export import audit_export
from minsheng.audit.models import AuditEvent
from minsheng.core.admin import HolidayDayAdmin
from minsheng.core.models import HolidayDay


@admin.register(HolidayDay)
class AuditedHolidayDayAdmin(AuditedAdmin, HolidayDayAdmin):
    """节假日与调休 — the city's holiday calendar (deadlines count working days from it)."""


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody may add, change or delete audit entries, superusers included."""

    list_display = ["occurred_at", "actor_label", "event_type", "target_type", "target_label", "ip_address"]
    list_filter = ["event_type", "occurred_at", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "event_type"]
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = ["export_csv"]

    @admin.action(description=_("Export the selected entries as CSV (recorded in the audit trail)"))
    def export_csv(self, request, queryset):
        if not (request.user.is_superuser or user_has_role(user=request.user, roles=["supervisor", "admin"])):
            raise PermissionDenied
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)[:20]]
        response = StreamingHttpResponse(
            audit_export(
                actor=request.user,
                queryset=queryset.order_by("-occurred_at", "-id"),
                filters={"admin_selection": ",".join(ids) + ("…" if queryset.count() > 20 else "")},
            ),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
