"""Forms for the hall manager's pages. They parse input into types; the rules
(ranges, uniqueness, scope) live in the services, so the API and the pages
refuse the same things with the same sentences (``errors_to_form``)."""

import re
from datetime import time

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import DomainError
from minsheng.regions.models import Region

from .models import BusinessType, PointLevel, ZoneKind

_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def errors_to_form(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the fields it names (the rest on top)."""
    placed = False
    for field, messages in error.fields.items():
        target = field if field in form.fields else None
        for m in messages:
            form.add_error(target, m)
        placed = True
    if not placed:
        form.add_error(None, str(error.message))


class RegionCodeField(forms.CharField):
    """A region given by its division code (GB/T 2260 + town and village codes)."""

    default_error_messages = {
        "unknown": _("No region has the code %(code)s. Enter a division code such as 320706001."),
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=12, **kwargs)

    def clean(self, value):
        code = super().clean(value).strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"code": code})
        return region


class _PointFields(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    level = forms.ChoiceField(label=_("level"), choices=PointLevel.choices)
    region = RegionCodeField(label=_("region (division code)"))
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    priority_every = forms.IntegerField(
        label=_("normal calls between priority calls"), initial=2,
        help_text=_("0 calls priority numbers (the old, frail, ill, disabled and pregnant) first."))
    business_types = forms.ModelMultipleChoiceField(
        label=_("business handled"), queryset=BusinessType.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_types"].queryset = BusinessType.objects.order_by("order", "prefix")
        self.fields["region"].widget.attrs["list"] = "regions"


class PointCreateForm(_PointFields):
    parent = forms.TypedChoiceField(label=_("under organisation"), coerce=int, required=False)
    latitude = forms.FloatField(label=_("latitude (WGS-84)"))
    longitude = forms.FloatField(label=_("longitude (WGS-84)"))

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [(a.organisation_id, a.organisation.name) for a in parents]
        if not parents:
            del self.fields["parent"]


class PointEditForm(_PointFields):
    pass


class PointMoveForm(forms.Form):
    latitude = forms.FloatField(label=_("latitude (WGS-84)"))
    longitude = forms.FloatField(label=_("longitude (WGS-84)"))


class ZoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ZoneKind.choices)
    name = forms.CharField(label=_("name"), max_length=100)


class WindowForm(forms.Form):
    number = forms.IntegerField(label=_("window number"))
    zone = forms.ModelChoiceField(label=_("zone"), queryset=None, required=False)
    business_types = forms.ModelMultipleChoiceField(
        label=_("business served"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, point, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = point.zones.all()
        self.fields["business_types"].queryset = point.business_types.order_by("order", "prefix")


class BusinessTypeForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=40,
                           help_text=_("Lower-case letters, digits and hyphens; it cannot be changed later."))
    name = forms.CharField(label=_("name"), max_length=100)
    prefix = forms.CharField(label=_("ticket prefix"), max_length=1,
                             help_text=_("One letter, A to Z, unique across the city."))
    typical_minutes = forms.IntegerField(label=_("typical minutes"), initial=10)
    order = forms.IntegerField(label=_("order"), initial=100)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


def parse_periods(text: str) -> list[tuple[time, time]]:
    """"08:30-12:00, 13:30-17:30" → [(08:30, 12:00), (13:30, 17:30)]; empty → closed."""
    out = []
    for part in re.split(r"[,，;；、]", text):
        if not part.strip():
            continue
        m = _PERIOD_RE.match(part)
        if m is None:
            raise ValueError(part)
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        # "24:00" closes at the end of the day; time() refuses any other hour past 23
        out.append((time(h1, m1), time(23, 59) if (h2, m2) == (24, 0) else time(h2, m2)))
    return out


class HoursForm(forms.Form):
    """One line per weekday: periods like ``08:30-12:00, 13:30-17:30``; empty = closed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for d in range(7):
            self.fields[f"hours_{d}"] = forms.CharField(label=WEEKDAYS[d], max_length=100, required=False)

    def clean(self):
        data = super().clean()
        periods = []
        for d in range(7):
            try:
                periods += [(d, o, c) for o, c in parse_periods(data.get(f"hours_{d}") or "")]
            except ValueError:
                self.add_error(f"hours_{d}", _("Write the periods like 08:30-12:00, 13:30-17:30, or leave empty when closed."))
        data["periods"] = periods
        return data

    @staticmethod
    def initial_for(hours) -> dict:
        by: dict[int, list[str]] = {}
        for h in hours:
            by.setdefault(h.weekday, []).append(f"{h.opens:%H:%M}-{h.closes:%H:%M}")
        return {f"hours_{d}": ", ".join(v) for d, v in by.items()}


class ClosureForm(forms.Form):
    date_from = forms.DateField(label=_("first day"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("last day (optional)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class SlotsForm(forms.Form):
    business_type = forms.ModelChoiceField(label=_("business"), queryset=None)
    date_from = forms.DateField(label=_("first day"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("last day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("first slot starts"), initial=time(9, 0),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("last slot ends"), initial=time(11, 30),
                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.IntegerField(label=_("minutes per slot"), initial=30)
    capacity = forms.IntegerField(label=_("people per slot"), initial=2)

    def __init__(self, *args, point, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_type"].queryset = point.business_types.filter(is_active=True).order_by("order", "prefix")


class PointSearchForm(forms.Form):
    """The station list's search box (GET)."""

    q = forms.CharField(label=_("Search by name, town or address"), max_length=50, required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))


class DateRangeForm(forms.Form):
    """The statistics page's period (GET ``from`` and ``to``); empty means the last seven days."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("from", _("First day")), ("to", _("Last day"))):
            self.fields[name] = forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DayForm(forms.Form):
    """The day shown on the manager's appointment page (GET)."""

    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RecommendForm(forms.Form):
    k = forms.IntegerField(label=_("How many new points"), min_value=1, max_value=20, initial=5)


class RatingForm(forms.Form):
    """好差评 after a finished service: five levels, a comment when not satisfied (the rule is
    the rating service's; a refusal comes back at the field, the chosen level kept)."""

    level = forms.TypedChoiceField(label=_("How was the service?"), coerce=int, choices=(), widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (needed if you were not satisfied)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = list(levels)


class KioskForm(forms.Form):
    """The kiosk's optional priority reason (老弱病残孕); the business is the button pressed."""

    priority_reason = forms.ChoiceField(label=_("Priority reason"), required=False, initial="", widget=forms.RadioSelect)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority_reason"].choices = [("", _("None")), *reasons]


class PriorityFlagsForm(forms.Form):
    """A citizen's own 老弱病残孕 priority (age comes from the birth date)."""

    disabled = forms.BooleanField(label=_("I hold a disability certificate"), required=False)
    ill = forms.BooleanField(label=_("I have a serious illness"), required=False)
    pregnant_until = forms.DateField(
        label=_("Pregnant: expected date of delivery"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Bring the certificate or record; the clerk checks it at the window."))


class KioskPhoneForm(forms.Form):
    """The kiosk's one optional field: a phone number that finds the ticket again in 我的."""

    phone = forms.CharField(
        label=_("Mobile phone (optional)"), max_length=20, required=False,
        help_text=_("Sign in later with this number and the ticket is in “Mine”. It is stored encrypted."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "data-test": "kiosk-phone"}),
    )


class NearestForm(forms.Form):
    """“Nearest service point to me”, by choosing one's community."""

    community = forms.ModelChoiceField(
        label=_("Your community or village"), to_field_name="code", queryset=Region.objects.none(),
        empty_label=_("Choose…"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Region.objects.filter(
            level="community", valid_to__isnull=True, latitude__isnull=False, longitude__isnull=False,
        ).order_by("parent__name", "name")
        self.fields["community"].label_from_instance = lambda r: r.name
