"""The city-wide reference data of the service halls in /admin/: the business types (the
catalogue every hall draws from), how the 15-minute circle is measured, and the road
networks it is measured over. Each change writes the audit trail (``AuditedAdmin``).
Anything of one hall (its points, windows, hours, slots) is the hall manager's workbench."""

from django import forms
from django.contrib import admin

from minsheng.audit.admin import AuditedAdmin

from .models import BusinessType, CoverageSettings, RoadNetwork
from .services.business_types import business_check
from .services.checks import FieldErrors


class BusinessTypeForm(forms.ModelForm):
    class Meta:
        model = BusinessType
        fields = ["code", "name", "prefix", "typical_minutes", "order", "is_active"]

    def clean(self):
        data = super().clean()
        errors = FieldErrors()
        business_check(errors, name=data.get("name") or "", prefix=(data.get("prefix") or "").upper(),
                       typical_minutes=data.get("typical_minutes"), order=data.get("order"),
                       exclude_pk=self.instance.pk)
        for field, messages in errors.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(BusinessType)
class BusinessTypeAdmin(AuditedAdmin):
    form = BusinessTypeForm
    list_display = ["prefix", "code", "name", "typical_minutes", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(CoverageSettings)
class CoverageSettingsAdmin(AuditedAdmin):
    list_display = ["__str__", "urban_mode", "rural_mode", "urban_threshold_min", "rural_threshold_min"]


@admin.register(RoadNetwork)
class RoadNetworkAdmin(AuditedAdmin):
    list_display = ["name", "source", "is_active", "created_at"]
    list_filter = ["is_active"]
    fields = ["name", "source", "is_active"]
