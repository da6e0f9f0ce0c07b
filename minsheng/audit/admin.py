"""The base class for every back-office (``/admin/``) registration of city-wide reference data.

A change made in the admin writes the one audit trail in the same transaction, with the
changed fields' old and new values; Django's own admin log is kept as Django keeps it.
Program admins subclass ``AuditedAdmin`` and, where a service owns a record's rules, call it
from ``save_model``.
"""

import io

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.spreadsheets import FORMATS, ExportColumn, export_write

from .services import audit_record


def _plain(values: dict) -> dict:
    return {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in values.items()}


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes inside one transaction with an ``admin.<app>.<model>.<verb>`` audit entry.

    The list's selected rows download as Excel or CSV (the columns the list shows), and the
    download is itself an audit entry: the lists a city keeps in spreadsheets go out as
    spreadsheets (bulk loading in goes through ``minsheng.imports``).
    """

    actions = ["download_xlsx", "download_csv"]

    def _columns(self, request) -> list[ExportColumn]:
        names = [n for n in self.get_list_display(request) if n != "action_checkbox"]

        def value(name):
            def read(obj):
                field, _attr, raw = lookup_field(name, obj, self)
                choices = getattr(field, "flatchoices", None)
                return dict(choices).get(raw, raw) if choices else raw

            return read

        return [ExportColumn(label_for_field(n, self.model, self), value(n)) for n in names]

    def _download(self, request, queryset, fmt: str):
        label = self.model._meta.label_lower
        with transaction.atomic():
            audit_record(
                event_type=f"admin.{label}.download", actor=request.user, target_type=label,
                new={"format": fmt, "rows": queryset.count()}, request=request,
            )
        out = io.BytesIO()
        export_write(columns=self._columns(request), rows=queryset, fmt=fmt, out=out,
                     title=str(self.model._meta.verbose_name_plural))
        response = HttpResponse(out.getvalue(), content_type=FORMATS[fmt])
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="{label.replace(".", "-")}-{stamp}.{fmt}"'
        return response

    @admin.action(description=_("Download the selected rows as Excel"))
    def download_xlsx(self, request, queryset):
        return self._download(request, queryset, "xlsx")

    @admin.action(description=_("Download the selected rows as CSV"))
    def download_csv(self, request, queryset):
        return self._download(request, queryset, "csv")

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
