from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from minsheng.identity.idnumbers import mask_phone

from .models import ChannelAddress, Delivery, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ["channel", "state", "address_masked", "attempts", "next_attempt_at", "last_error", "sent_at"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("address"))
    def address_masked(self, obj):
        return mask_phone(obj.address) if obj.channel == "sms" else obj.address


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "person", "template", "created_at", "read_at"]
    list_filter = ["template", "created_at"]
    search_fields = ["title", "dedupe_key", "recipient__name", "person__name"]
    list_select_related = ["recipient", "person"]
    raw_id_fields = ["recipient", "person"]
    readonly_fields = ["template", "title", "body", "context", "dedupe_key", "created_at", "read_at"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False


@admin.register(ChannelAddress)
class ChannelAddressAdmin(admin.ModelAdmin):
    list_display = ["user", "channel", "address", "created_at"]
    raw_id_fields = ["user"]
    list_filter = ["channel"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every channel's attempts, failed ones first to find: staff see what did not arrive and why."""

    list_display = ["notification", "channel", "state", "attempts", "next_attempt_at", "last_error", "sent_at"]
    list_filter = ["state", "channel"]
    list_select_related = ["notification"]
    search_fields = ["notification__title", "last_error"]
    ordering = ["-created_at"]
    readonly_fields = [
        "notification", "channel", "state", "attempts", "next_attempt_at", "last_error", "sent_at",
        "created_at",
    ]
    exclude = ["address"]  # personal data: the recipient is on the notification
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected deliveries again now"))
    def retry_now(self, request, queryset):
        from .services import delivery_retry_now

        count = delivery_retry_now(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
