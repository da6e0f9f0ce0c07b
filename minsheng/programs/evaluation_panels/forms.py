"""Django forms for the program's pages (rendered with {{ form }})."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minsheng.access.models import Organisation
from minsheng.access.principal import held_assignments
from minsheng.regions.models import Region

from .models import Category, Cycle, Rubric

SETUP_ROLES = ["panel_organiser"]


class VolunteerJoinForm(forms.Form):
    occupation = forms.CharField(label=_("Occupation"), max_length=60, required=False)
    conflict_note = forms.CharField(
        label=_("Interests to declare"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Companies or units you work for or own a share in: you are never drawn to evaluate their projects."),
    )
    pledge = forms.BooleanField(
        label=_("I will take part when drawn, or say in time that I cannot, and score impartially."))


def _subtree_q(user, field: str = "prefix") -> Q:
    q = Q(pk__in=[])
    for a in held_assignments(user=user, roles=SETUP_ROLES):
        q |= Q(**{f"{field}__startswith": a.region.prefix})
    return q


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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = (Organisation.objects.filter(_subtree_q(user, "region__prefix"))
                                             .exclude(kind__in=["school", "bank", "provider"]).order_by("name"))
        self.fields["region"].queryset = (Region.objects.filter(_subtree_q(user))
                                          .filter(level__in=["city", "county", "town"]).order_by("code"))


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
