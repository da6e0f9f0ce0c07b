"""Django forms for the program's pages (rendered with {{ form }} through the site's renderer)."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AllowanceKind
from .services.periods import month_start


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value.strip()[:7]}-01")
    except ValueError:
        raise forms.ValidationError(_("Enter the month as year and month, e.g. 2026-03.")) from None


class SettlementRunForm(forms.Form):
    month = forms.CharField(
        label=_("Month to settle"),
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("Visits confirmed by the month's end; a statement already confirmed is kept."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"month": f"{month_start(timezone.localdate()):%Y-%m}"})
        super().__init__(*args, **kwargs)

    def clean_month(self) -> date:
        return _month(self.cleaned_data["month"])


class RetrofitOpenForm(forms.Form):
    assessment = forms.CharField(
        label=_("Home assessment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the visit found: falls risks, bathroom, lighting, doorways, what the elder needs."),
    )


class AllowanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Allowance"), choices=AllowanceKind.choices)
    month = forms.CharField(label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}))
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=0, max_digits=9, decimal_places=2)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"month": f"{month_start(timezone.localdate()):%Y-%m}"})
        super().__init__(*args, **kwargs)

    def clean_month(self) -> date:
        return _month(self.cleaned_data["month"])
