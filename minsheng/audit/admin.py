from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody may add, change or delete audit entries, superusers included."""

    list_display = ["occurred_at", "actor_label", "event_type", "target_type", "target_label", "ip_address"]
    list_filter = ["event_type", "occurred_at", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "event_type"]
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
