from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
