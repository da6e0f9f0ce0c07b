"""The forms of the home-care pages: labelled fields rendered by the project's form renderer,
filled with what was typed. The rules are the services' (``services/*``); a form adds no rule
of its own, so its fields are optional and its widgets only say what kind of input is wanted."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalogue import (
    ASSESSMENT_DOMAINS,
    ASSESSMENT_ITEMS,
    AbilityLevel,
    AssessmentReason,
    ElderCategory,
    MentalDiagnosis,
)
from .models import AllowanceKind, CallResult, LivingArrangement
from .services.periods import month_start


def _text(label, *, rows=None, **attrs):
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=False, widget=widget)


def _choice(label, choices, **attrs):
    return forms.ChoiceField(label=label, required=False, choices=choices, widget=forms.Select(attrs=attrs))


def _date(label, kind="date"):
    return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": kind}))


# --- filters (GET) ----------------------------------------------------------------------------
class SearchForm(forms.Form):
    q = _text(_("Name"), type="search")

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["q"].label = label


class StatusFilterForm(forms.Form):
    status = _choice(_("Status"), ())

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *statuses]


class PeriodForm(forms.Form):
    start = _date(_("First day"))
    end = _date(_("Last day"))


class MonthForm(forms.Form):
    month = _date(_("Month"), kind="month")


# --- citizens ---------------------------------------------------------------------------------
class ApplyForm(forms.Form):
    elder = forms.ChoiceField(label=_("Who needs care?"), required=False)
    categories = forms.MultipleChoiceField(label=_("Which of these apply?"), required=False, choices=ElderCategory.choices,
                                           widget=forms.CheckboxSelectMultiple)
    living_arrangement = _choice(_("Living arrangement"), LivingArrangement.choices)
    reason = _text(_("What help is needed"), rows=3)
    community = _text(_("Street or community where the elder lives (division code, e.g. 320706001)"))
    address = _text(_("Home address"))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder"].choices = [(p.pk, p.name) for p in people]
        self.fields["community"].help_text = _("Needed only when the elder's place of residence is not recorded yet.")


# --- staff ------------------------------------------------------------------------------------
class NoteForm(forms.Form):
    """A note that goes with a decision (statement, alarm, application, rectification)."""

    note = _text(_("Note"))

    def __init__(self, *args, label=None, rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["note"].label = label
        if rows:
            self.fields["note"].widget = forms.Textarea(attrs={"rows": rows})


class RectificationReportForm(forms.Form):
    report = _text(_("Written report: what was done to put it right"), rows=3)


class FollowupForm(forms.Form):
    result = _choice(_("Result"), ())
    satisfaction = forms.IntegerField(label=_("Satisfaction (1–5)"), required=False, min_value=1, max_value=5,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    note = _text(_("Note (required when the result is bad)"), rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = [("", "—"), *(c for c in CallResult.choices if c[0] != CallResult.PENDING)]


class PhotoForm(forms.Form):
    phase = _choice(_("When"), [("before", _("before")), ("after", _("after"))])
    photo = forms.ImageField(label=_("Photo"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))

    def __init__(self, *args, phases=None, name="phase", **kwargs):
        super().__init__(*args, **kwargs)
        if phases is not None:
            self.fields["phase"].choices = phases
        if name != "phase":
            self.fields[name] = self.fields.pop("phase")
            self.order_fields([name, "photo"])


class RuleForm(forms.Form):
    name = _text(_("Rule name"))
    category = _choice(_("Category"), ElderCategory.choices)
    min_level = _choice(_("Lowest ability level"), AbilityLevel.choices)
    max_level = _choice(_("Highest ability level"), AbilityLevel.choices)
    unit = _choice(_("Unit"), [("hours", _("hours per month")), ("yuan", _("yuan per month"))])
    amount = _text(_("Monthly amount"), inputmode="decimal")
    effective_from = _date(_("Effective from"))
    effective_to = _date(_("Effective to"))
    priority = _text(_("Priority"), inputmode="numeric")
    month = _date(_("Month to preview and apply"), kind="month")


class MealForm(forms.Form):
    canteen = _choice(_("Canteen"), ())
    meal = _choice(_("Meal"), [("breakfast", _("breakfast")), ("lunch", _("lunch")), ("dinner", _("dinner"))])
    price = _text(_("Price (yuan)"), inputmode="decimal")

    def __init__(self, *args, canteens=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canteen"].choices = [(c.pk, c.name) for c in canteens]


class CodeForm(forms.Form):
    code = _text(_("Code from the text message"), inputmode="numeric", autocomplete="one-time-code", maxlength="6", **{"data-test": "code"})


class ChecklistForm(forms.Form):
    done = forms.MultipleChoiceField(label=_("Tasks"), required=False, widget=forms.CheckboxSelectMultiple(attrs={"data-test": "task"}))

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done"].choices = [(t, t) for t in tasks]


class AssessmentForm(forms.Form):
    """GB/T 42195: one score per item (0 to its maximum), then the reason, diagnosis, risk events."""

    reason = _choice(_("Reason"), AssessmentReason.choices)
    diagnosis = _choice(_("Mental diagnosis"), MentalDiagnosis.choices)
    risk_events_30d = _text(_("Care-risk events in the last 30 days (falls, wandering, choking, self-harm)"), inputmode="numeric")
    notes = _text(_("Notes"), rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = {}
        for n, item in enumerate(ASSESSMENT_ITEMS, 1):
            items[item.code] = forms.ChoiceField(
                label=f"{n}. {item.title} (0–{item.maximum})", required=False,
                choices=[("", "—"), *((str(v), str(v)) for v in range(item.maximum, -1, -1))],
                widget=forms.Select(attrs={"data-max": item.maximum}))
        self.fields = {**items, **self.fields}

    def domains(self):
        """(domain title, its bound item fields), in the standard's order."""
        return [(title, [self[i.code] for i in ASSESSMENT_ITEMS if i.domain == code]) for code, title in ASSESSMENT_DOMAINS.items()]



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


class SettlementConfirmForm(SettlementRunForm):
    """The run confirmed: the month shown in the preview, carried in hidden fields."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="1")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget = forms.HiddenInput()


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
