from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    WEEKDAY_NAMES,
    Activity,
    Allocation,
    FamilyCategory,
    FeeBasis,
    OfferingKind,
    Teacher,
    Term,
)

WEEKDAY_CHOICES = [(str(k), v) for k, v in WEEKDAY_NAMES.items()]


class _DayBoxes(forms.CheckboxSelectMultiple):
    """Weekday boxes; a day with no place left is shown but cannot be ticked."""

    def __init__(self, *args, disabled=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled = {str(v) for v in disabled}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class ApplyForm(forms.Form):
    student = forms.IntegerField(widget=forms.HiddenInput)
    offering = forms.IntegerField(widget=forms.HiddenInput)
    weekdays = forms.MultipleChoiceField(label=_("days"), choices=WEEKDAY_CHOICES,
                                         widget=forms.CheckboxSelectMultiple)
    rank = forms.IntegerField(label=_("Choice rank (1 = first choice)"), min_value=1, max_value=10, initial=1)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, days=None, first_come=False, **kwargs):
        """``days``: (weekday, name, places left) of one offering, shown with the places left."""
        super().__init__(*args, **kwargs)
        if days is not None:
            field = self.fields["weekdays"]
            field.choices = [(str(d), _("%(day)s (%(n)s left)") % {"day": name, "n": free}) for d, name, free in days]
            field.widget = _DayBoxes(choices=field.choices, disabled=[d for d, _n, free in days if first_come and not free])


class RateForm(forms.Form):
    """好差评 of a place: five levels; the comment rule is the rating service's."""

    level = forms.TypedChoiceField(label=_("How satisfied are you with this care?"), coerce=int, choices=(),
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (needed if you are dissatisfied)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = list(levels)


class OfferingForm(forms.Form):
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.all())
    school = forms.ModelChoiceField(label=_("school"), queryset=None)
    title = forms.CharField(label=_("title"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=OfferingKind.choices)
    activity = forms.ChoiceField(label=_("activity"), choices=Activity.choices)
    weekdays = forms.MultipleChoiceField(label=_("days of the week"), choices=WEEKDAY_CHOICES,
                                         widget=forms.CheckboxSelectMultiple)
    start_time = forms.TimeField(label=_("starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    grade_min = forms.IntegerField(label=_("lowest grade"), min_value=1, max_value=9, initial=1)
    grade_max = forms.IntegerField(label=_("highest grade"), min_value=1, max_value=9, initial=6)
    capacity = forms.IntegerField(label=_("places per day"), min_value=1, max_value=5000)
    fee = forms.DecimalField(label=_("fee (yuan)"), min_value=0, max_digits=8, decimal_places=2, initial=0)
    fee_basis = forms.ChoiceField(label=_("fee basis"), choices=FeeBasis.choices)
    allocation = forms.ChoiceField(label=_("allocation"), choices=Allocation.choices)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class WindowForm(forms.Form):
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.all())
    school = forms.ModelChoiceField(label=_("school"), queryset=None)
    opens_at = forms.DateTimeField(label=_("opens at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("closes at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    accept_days = forms.IntegerField(label=_("days to accept an offered place"), min_value=1, max_value=14, initial=3)
    lower_grades_first = forms.BooleanField(label=_("lower grades first"), required=False, initial=True)
    dual_working_first = forms.BooleanField(label=_("dual-working families first"), required=False, initial=True)
    keep_siblings_together = forms.BooleanField(label=_("keep siblings together"), required=False, initial=True)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class PickupForm(forms.Form):
    """Who collected the child, from the family recorded for them."""

    collected_by = forms.ChoiceField(label=_("Collected by"), choices=(), widget=forms.Select(attrs={"class": "form-select w-auto"}))

    def __init__(self, *args, family=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collected_by"].choices = [(p.pk, p.name) for p in family]


class OfferingTeachersForm(forms.Form):
    teachers = forms.ModelMultipleChoiceField(
        label=_("teachers"), queryset=Teacher.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Teachers of the school that runs the offering; sessions without a teacher get one in turn."))

    def __init__(self, *args, offering, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["teachers"]
        field.queryset = (Teacher.objects.filter(school_id=offering.host_id, is_active=True)
                          .select_related("person").order_by("person__name"))
        field.label_from_instance = lambda t: f"{t.person.name}（{t.subjects}）" if t.subjects else t.person.name


# --- set-up by the education bureau and the schools (views/setup.py) ----------------------
_DATE = {"type": "date"}
_DATETIME = {"type": "datetime-local"}
_LOCAL = "%Y-%m-%dT%H:%M"  # what a date/time input reads (the browser's own display follows the reader's locale)


class TermForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50, help_text=_("For example 2026–2027学年第一学期."))
    school_year = forms.IntegerField(label=_("school year"), min_value=2000, max_value=2100,
                                     help_text=_("The year the school year starts, for example 2026."))
    starts_on = forms.DateField(label=_("starts on"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("ends on"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"))


class WindowRulesForm(forms.Form):
    """A window's dates and lottery rules (editing an existing window)."""

    opens_at = forms.DateTimeField(label=_("opens at"), widget=forms.DateTimeInput(attrs=_DATETIME, format=_LOCAL))
    closes_at = forms.DateTimeField(label=_("closes at"), widget=forms.DateTimeInput(attrs=_DATETIME, format=_LOCAL))
    accept_days = forms.IntegerField(label=_("days to accept an offered place"), min_value=1, max_value=14, initial=3)
    lower_grades_first = forms.BooleanField(label=_("lower grades first"), required=False, initial=True)
    dual_working_first = forms.BooleanField(label=_("dual-working families first"), required=False, initial=True)
    keep_siblings_together = forms.BooleanField(label=_("keep siblings together"), required=False, initial=True)


class AreaWindowForm(WindowRulesForm):
    """A window for every school of a region (the city, or one district)."""

    region = forms.ModelChoiceField(label=_("for the schools of"), queryset=None)

    field_order = ["region", "opens_at", "closes_at"]

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class WaiverRuleForm(forms.Form):
    category = forms.ChoiceField(label=_("family category"),
                                 choices=[c for c in FamilyCategory.choices if c[0]])
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.all(), required=False,
                                  empty_label=_("every term"))
    waiver_percent = forms.IntegerField(label=_("waiver (%)"), min_value=0, max_value=100,
                                        help_text=_("100 waives the whole fee."))


class EnrolmentWaiverForm(forms.Form):
    category = forms.ChoiceField(label=_("family category"), choices=FamilyCategory.choices, required=False)
    evidence = forms.CharField(label=_("Evidence seen"), max_length=200, required=False,
                               help_text=_("For example the certificate's number and issuing office. "
                                           "Needed unless you clear the category."))


class StudentSearchForm(forms.Form):
    q = forms.CharField(label=_("Student's name"), max_length=40, required=False)


class OfferingEditForm(forms.Form):
    """What may change once families have chosen an offering's days and hours."""

    title = forms.CharField(label=_("title"), max_length=100)
    capacity = forms.IntegerField(label=_("places per day"), min_value=1, max_value=5000)
    grade_min = forms.IntegerField(label=_("lowest grade"), min_value=1, max_value=9)
    grade_max = forms.IntegerField(label=_("highest grade"), min_value=1, max_value=9)
    fee = forms.DecimalField(label=_("fee (yuan)"), min_value=0, max_digits=8, decimal_places=2,
                             help_text=_("A new fee applies to applications made from now on."))
    fee_basis = forms.ChoiceField(label=_("fee basis"), choices=FeeBasis.choices)
    is_published = forms.BooleanField(label=_("Open for applications"), required=False)
