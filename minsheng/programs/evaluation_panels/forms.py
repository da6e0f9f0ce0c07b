"""The forms of the livelihood-project pages. They render labelled fields and carry what was
typed; the rules are the services' (``services/*``), whose refusals ``errors_to_form`` puts
at the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.access.models import Organisation
from minsheng.core.errors import DomainError
from minsheng.regions.models import Region

from .models import Category, Cycle, Grade, Rubric

SETUP_ROLES = ["panel_organiser"]


def errors_to_form(form: forms.Form, error: DomainError) -> None:
    """A service's refusal next to the fields it names, the rest above the form."""
    if not form.is_bound:
        raise ValueError("errors go on a bound form")
    form.is_valid()
    placed = False
    for field, messages in (error.fields or {}).items():
        target = field if field in form.fields else None
        placed = True
        if target is not None and target in form.errors:
            continue  # the field already says what is wrong: one message per field
        for m in messages:
            form.add_error(target, m)
    if not placed:
        form.add_error(None, str(error.message))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once; the upload service checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        return [one(d, initial) for d in data] if isinstance(data, list | tuple) else one(data, initial)


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(label=_("What should be done, where, and for whom?"), required=False, widget=forms.Textarea(attrs={"rows": 6}))


class ProgressForm(forms.Form):
    percent_done = forms.IntegerField(label=_("Percent done"), min_value=0, max_value=100, required=False)
    text = forms.CharField(label=_("Progress since the last report"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos"))
    milestones_done = forms.MultipleChoiceField(label=_("Milestones reached today"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestones_done"].choices = [
            (str(m.pk), _("%(title)s (due %(date)s)") % {"title": m.title, "date": m.due_on.isoformat()}) for m in milestones
        ]
        if not milestones:
            del self.fields["milestones_done"]


def _overall(label):
    return forms.ChoiceField(label=label, choices=Grade.choices, required=False, widget=forms.RadioSelect)


class ScoreForm(forms.Form):
    """The scorecard: one score per rubric criterion (``c<id>``), the overall view, a comment."""

    overall = _overall(_("Overall"))
    comment = forms.CharField(label=_("Comments (required with basically satisfied or dissatisfied)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("Photos"), widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}))

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        scores = {}
        for c in criteria:
            scores[f"c{c.id}"] = forms.IntegerField(
                label=c.name, min_value=0, max_value=c.max_score, required=False,
                help_text=_("weight %(w)s, 0–%(m)s") % {"w": c.weight, "m": c.max_score},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
        self.fields = {**scores, **self.fields}


class RecipientViewForm(forms.Form):
    overall = _overall(_("Their overall view"))
    comment = forms.CharField(label=_("What they said"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RectificationReportForm(forms.Form):
    report = forms.CharField(label=_("Written rectification report"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    evidence = PhotosField(
        label=_("Evidence (photos or PDF documents)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
        help_text=_("Photos of the work done, acceptance certificates, meeting minutes…"),
    )


class ReevaluateForm(forms.Form):
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class ProgressUploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (CSV or XLSX)"), widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}))
    confirm = forms.BooleanField(label=_("Write the reports (otherwise only check)"), required=False)


class SupervisionFilterForm(forms.Form):
    """The supervision page's filters (GET); an empty choice means any."""

    year = forms.ChoiceField(label=_("Year"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    lead_unit = forms.ChoiceField(label=_("Lead unit"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args, cycles=(), statuses=(), grades=(), units=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(str(c.year), str(c.year)) for c in cycles]
        self.fields["status"].choices = [("", _("any status")), *statuses]
        self.fields["grade"].choices = [("", _("any grade")), *grades]
        self.fields["lead_unit"].choices = [("", _("any lead unit")), *((str(u.id), u.name) for u in units)]
        self.fields["district"].choices = [("", _("any district")), *((d.prefix, d.name) for d in districts)]


class BallotForm(forms.Form):
    candidates = forms.MultipleChoiceField(label=_("Projects"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].choices = [
            (str(c.id), f"{c.title}（{c.lead_unit}）" if c.lead_unit else c.title) for c in candidates
        ]



class VolunteerJoinForm(forms.Form):
    """Joining the pool. Someone whose real-name record has no place of residence (a citizen who
    registered on /me/ gives name and ID number only) says where they live: it decides the
    district whose panels they are drawn for."""

    residence_region = forms.ModelChoiceField(
        label=_("Community or street where you live"), queryset=Region.objects.none(), required=False,
        help_text=_("It decides the district whose panels you are drawn for."))
    occupation = forms.CharField(label=_("Occupation"), max_length=60, required=False)
    conflict_note = forms.CharField(
        label=_("Interests to declare"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Companies or units you work for or own a share in: you are never drawn to evaluate their projects."),
    )
    pledge = forms.BooleanField(
        label=_("I will take part when drawn, or say in time that I cannot, and score impartially."))

    def __init__(self, *args, ask_residence: bool, **kwargs):
        from .selectors import residence_choices

        super().__init__(*args, **kwargs)
        if ask_residence:
            field = self.fields["residence_region"]
            field.required, field.queryset = True, residence_choices()
            field.label_from_instance = lambda r: f"{r.parent.name if r.parent_id else ''} {r.name}".strip()
        else:
            del self.fields["residence_region"]


class ProjectForm(forms.Form):
    """A key livelihood project of the organiser's area (region and lead unit within it)."""

    cycle = forms.ModelChoiceField(label=_("cycle"), queryset=Cycle.objects.order_by("-year"))
    title = forms.CharField(label=_("Project title"), max_length=200)
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.all())
    lead_unit = forms.ModelChoiceField(label=_("lead unit"), queryset=Organisation.objects.none())
    region = forms.ModelChoiceField(label=_("Area"), queryset=Region.objects.none())
    budget = forms.DecimalField(label=_("Budget (10,000 yuan)"), min_value=0, max_digits=12, decimal_places=2,
                                initial=0)
    targets = forms.CharField(label=_("Targets"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        from .selectors import setup_regions, setup_units

        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = setup_units(user=user)
        self.fields["region"].queryset = setup_regions(user=user)
        if editing:  # a project stays in its year
            del self.fields["cycle"]


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("due on"), widget=forms.DateInput(attrs={"type": "date"}))


class EvaluationForm(forms.Form):
    """An on-site panel evaluation of a project; the panel is then drawn on its own page."""

    place = forms.CharField(label=_("Where the panel meets"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    panel_size = forms.IntegerField(label=_("Panel size"), min_value=3, max_value=200, initial=15)
    rubric = forms.ModelChoiceField(label=_("Scoring rubric"), queryset=Rubric.objects.all(), required=False,
                                    help_text=_("Empty: the default rubric."))
