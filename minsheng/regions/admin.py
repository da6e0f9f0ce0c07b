from django.contrib import admin

from .models import PREFIX_LENGTH, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "is_statistical", "valid_from", "valid_to")
    list_filter = ("level", "is_statistical", "is_urban")
    search_fields = ("^code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    readonly_fields = ("prefix",)
    show_full_result_count = False
    ordering = ("code",)

    def save_model(self, request, obj, form, change):
        # The prefix is derived from the code; a subtree query depends on it.
        obj.prefix = obj.code[: PREFIX_LENGTH[obj.level]]
        super().save_model(request, obj, form, change)
