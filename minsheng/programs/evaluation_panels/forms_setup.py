"""The forms of the panel office's set-up pages (views/setup.py): the cycle and its phases,
candidate projects, the volunteer pool, sessions and the review of rectification reports.
The rules are the services' (services/setup.py, services/rectification.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.access.models import Organisation

from .models import Category, Cycle, EvaluationStatus


def _date(label, help_text=""):
    return forms.DateField(label=label, required=False, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


def _datetime(label):
    return forms.DateTimeField(label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class CycleForm(forms.ModelForm):
    """A year's cycle: its title, how many projects the vote chooses, and the dates of its phases."""

    class Meta:
        model = Cycle
        fields = ("year", "title", "places", "ideas_open_until", "vote_on", "evaluations_from", "evaluations_until")
        widgets = {f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                   for f in ("ideas_open_until", "vote_on", "evaluations_from", "evaluations_until")}
        help_texts = {
            "ideas_open_until": _("The public's ideas are collected until this day."),
            "vote_on": _("The day the delegates vote on the candidates."),
            "evaluations_from": _("Citizens' panels evaluate the projects on site between these two days."),
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["year"]

    def validate_unique(self):
        """The service says when the year is taken (one message, in the page's words)."""


class CandidateForm(forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=200)
    description = forms.CharField(label=_("What will be done"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.all(), required=False)
    lead_unit = forms.ModelChoiceField(label=_("proposed lead unit"), queryset=Organisation.objects.none(), required=False)
    budget = forms.DecimalField(label=_("Estimated budget (10,000 yuan)"), min_value=0, max_digits=12,
                                decimal_places=2, initial=0)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = units


class VolunteerFilterForm(forms.Form):
    """The pool's filters (GET)."""

    q = forms.CharField(label=_("Number, name or occupation"), required=False)
    active = forms.ChoiceField(label=_("In the pool"), required=False, choices=[
        ("", _("all")), ("yes", _("in the pool")), ("no", _("taken out of the pool"))])
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("any district")), *((d.prefix, d.name) for d in districts)]


class VolunteerActiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("E.g. moved away, asked to leave, did not come twice without notice."))


class EvaluationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("any status")), *EvaluationStatus.choices])


class RescheduleForm(forms.Form):
    place = forms.CharField(label=_("Where the panel meets"), max_length=200, required=False)
    starts_at = _datetime(_("Starts at"))
    ends_at = _datetime(_("Ends at"))


class PublishResultForm(forms.Form):
    """公布评议结果: the office confirms it has checked the count before the result goes public."""

    confirm = forms.BooleanField(label=_("I have checked the count; publish this result."))


class ReturnReportForm(forms.Form):
    reason = forms.CharField(label=_("What the report lacks"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The lead unit reads this and reports again."))


class ScreenForm(forms.Form):
    """Accept an idea as a candidate (with its proposed lead unit and estimate) or not — with the reason."""

    decision = forms.ChoiceField(label=_("Screening decision"), widget=forms.RadioSelect, choices=[
        ("accept", _("accept as a candidate")), ("reject", _("not accepted"))])
    reason = forms.CharField(label=_("Reason (published with the idea)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    lead_unit = forms.ModelChoiceField(label=_("proposed lead unit"), queryset=Organisation.objects.none(), required=False)
    budget = forms.DecimalField(label=_("Estimated budget (10,000 yuan)"), min_value=0, max_digits=12,
                                decimal_places=2, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = units


class VoteOpenForm(forms.Form):
    """The delegates' 差额 vote: the candidates, the places and who may vote (by mobile number)."""

    candidates = forms.ModelMultipleChoiceField(label=_("Candidates on the ballot"), queryset=Organisation.objects.none(),
                                                widget=forms.CheckboxSelectMultiple)
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=200)
    closes_at = forms.DateTimeField(label=_("Voting closes at"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    delegate_phones = forms.CharField(
        label=_("Delegates' mobile numbers"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One number per line. Each delegate signs in with this number to vote."))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = candidates

    def clean_delegate_phones(self):
        from .selectors import users_by_phone

        users, unknown = users_by_phone(phones=self.cleaned_data["delegate_phones"].splitlines())
        if unknown:
            raise forms.ValidationError(
                _("No account has these numbers: %(numbers)s. Ask those delegates to sign in once, or correct the numbers.")
                % {"numbers": "、".join(unknown[:10])})
        return users


class CandidateToProjectForm(forms.Form):
    """An elected candidate becomes one of the year's projects, delivered in an area."""

    region = forms.ModelChoiceField(label=_("Area"), queryset=Organisation.objects.none())
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.all(), required=False)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class ResidenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.code}）"


class VolunteerEnrolForm(forms.Form):
    """群众评议员登记 — someone who signed up on a paper form at the community office."""

    name = forms.CharField(label=_("Full name (as on the ID card)"), max_length=50)
    phone = forms.CharField(label=_("Mobile phone number"), max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30,
                                help_text=_("Checked by the platform's rules; the date of birth comes from it."))
    residence_region = ResidenceChoiceField(label=_("Community or street where they live"), queryset=None,
                                            help_text=_("It decides the district whose panels they are drawn for."))
    occupation = forms.CharField(label=_("Occupation"), max_length=60, required=False)
    consent = forms.BooleanField(
        label=_("The volunteer has signed the consent and pledge form (kept at the community office)."))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence_region"].queryset = regions

    def clean_id_number(self):
        from minsheng.core.errors import ValidationFailed
        from minsheng.identity.idnumbers import id_number_validate

        try:
            return id_number_validate(self.cleaned_data["id_number"]).number
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def clean_phone(self):
        from minsheng.core.errors import ValidationFailed
        from minsheng.identity.idnumbers import phone_validate

        try:
            return phone_validate(self.cleaned_data["phone"])
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message)) from None
