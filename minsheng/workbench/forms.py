from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Actor (name, username or #id)"), required=False, max_length=150)
    event_type = forms.CharField(label=_("Event type (prefix, e.g. cases.)"), required=False, max_length=64)
    target_type = forms.CharField(label=_("Target type (e.g. cases.case)"), required=False, max_length=100)
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)
    since = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To (date, inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date. Swap the two dates."))
        return data
