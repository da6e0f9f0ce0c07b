from django.contrib import admin

from .models import Organisation, Role, RoleAssignment


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department_code", "region", "parent", "is_active"]
    list_filter = ["kind", "department_code", "is_active"]
    search_fields = ["name", "credit_code", "department_code"]
    raw_id_fields = ["region", "parent"]
    list_select_related = ["region", "parent"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "permissions", "is_staff_role"]
    search_fields = ["code", "title"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "region", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name", "organisation__name", "region__name"]
    raw_id_fields = ["user", "organisation", "region"]
    list_select_related = ["user", "role", "organisation", "region"]
