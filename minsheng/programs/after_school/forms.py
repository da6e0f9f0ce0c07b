from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WEEKDAY_NAMES, Activity, Allocation, FeeBasis, OfferingKind, Teacher, Term

WEEKDAY_CHOICES = [(str(k), v) for k, v in WEEKDAY_NAMES.items()]


class ApplyForm(forms.Form):
    student = forms.IntegerField(widget=forms.HiddenInput)
    offering = forms.IntegerField(widget=forms.HiddenInput)
    weekdays = forms.MultipleChoiceField(label=_("days"), choices=WEEKDAY_CHOICES,
                                         widget=forms.CheckboxSelectMultiple)
    rank = forms.IntegerField(label=_("choice rank"), min_value=1, max_value=10, initial=1)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


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
