"""Django forms for the program's pages (rendered with {{ form }})."""

from django import forms
from django.utils.translation import gettext_lazy as _


class VolunteerJoinForm(forms.Form):
    occupation = forms.CharField(label=_("Occupation"), max_length=60, required=False)
    conflict_note = forms.CharField(
        label=_("Interests to declare"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Companies or units you work for or own a share in: you are never drawn to evaluate their projects."),
    )
    pledge = forms.BooleanField(
        label=_("I will take part when drawn, or say in time that I cannot, and score impartially."))
