from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RatingLevel


class RatingForm(forms.Form):
    """好差评 for a finished case: five levels (GB/T 39734) and a comment, required when unhappy
    (the service says so)."""

    level = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=RatingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    comment = forms.CharField(
        label=_("Comment (required if you are dissatisfied)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
