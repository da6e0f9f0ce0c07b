from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _


def _module_choices():
    """Each platform module as an event-type prefix ("cases." finds every case event)."""
    configs = [c for c in apps.get_app_configs() if c.name.startswith("minsheng.")]
    return [("", _("Any module"))] + sorted(((f"{c.label}.", str(c.verbose_name)) for c in configs), key=lambda c: c[1])


def _record_choices():
    models = [m for m in apps.get_models() if m.__module__.startswith("minsheng.")]
    choices = [
        (m._meta.label_lower, f"{m._meta.app_config.verbose_name} · {m._meta.verbose_name}") for m in models
    ]
    return [("", _("Any kind of record"))] + sorted(choices, key=lambda c: c[1])


class AuditSearchForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"), required=False, max_length=150, help_text=_("A name, a username, or # and the account number.")
    )
    event_type = forms.ChoiceField(label=_("Module"), required=False, choices=_module_choices)
    target_type = forms.ChoiceField(label=_("Kind of record"), required=False, choices=_record_choices)
    target_id = forms.CharField(label=_("Record number"), required=False, max_length=64)
    since = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To (date, inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date. Swap the two dates."))
        return data
