from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["importer_key", "original_name", "dry_run", "state", "total", "ok", "failed", "created_by", "created_at"]
    list_filter = ["importer_key", "state", "dry_run"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
