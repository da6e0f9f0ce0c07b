from django.contrib import admin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "content_type", "size", "owner", "target_type", "target_id", "created_at"]
    list_filter = ["content_type", "target_type"]
    search_fields = ["original_name", "sha256", "target_id"]
    list_select_related = ["owner", "target_type"]
    raw_id_fields = ["owner"]
    readonly_fields = [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request):
        return False
