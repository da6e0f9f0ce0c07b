"""Django forms for the program's staff pages (rendered with {{ form }})."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LicenceStatus


class LicenceStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened to the licence"),
        choices=[(LicenceStatus.CHANGED, LicenceStatus.CHANGED.label), (LicenceStatus.REVOKED, LicenceStatus.REVOKED.label)],
    )
    reason = forms.CharField(label=_("Reason (kept in the audit trail)"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
