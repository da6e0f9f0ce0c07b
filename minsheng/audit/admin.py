"""The base class for every back-office (``/admin/``) registration of city-wide reference data.

A change made in the admin writes the one audit trail in the same transaction, with the
changed fields' old and new values; Django's own admin log is kept as Django keeps it.
Program admins subclass ``AuditedAdmin`` and, where a service owns a record's rules, call it
from ``save_model``.
"""

from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from .services import audit_record


def _plain(values: dict) -> dict:
    return {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in values.items()}


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes inside one transaction with an ``admin.<app>.<model>.<verb>`` audit entry."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            old = {name: form.initial.get(name) for name in form.changed_data} if change else None
            super().save_model(request, obj, form, change)
            fields = form.changed_data if change else list(form.fields)
            new = {name: value for name, value in model_to_dict(obj, fields=fields).items()}
            audit_record(
                event_type=f"admin.{obj._meta.label_lower}.{'change' if change else 'add'}",
                actor=request.user,
                target=obj,
                old=_plain(old) if old is not None else None,
                new=_plain(new),
                request=request,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                event_type=f"admin.{obj._meta.label_lower}.delete",
                actor=request.user,
                target=obj,
                old=_plain(model_to_dict(obj)),
                request=request,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One audit entry per row, like delete_model: the bulk action must not skip the trail.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)
