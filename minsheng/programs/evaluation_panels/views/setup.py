"""The panel office's set-up pages: the year's cycle (phases and dates) and its candidate
projects, a project's particulars and its milestones.

Records come through the gates of selectors.py (another district's project is a 404); the
cycle, being the whole city's, is set up by an organiser assigned at city level, and others
read it. Every change is one service call; a refusal re-renders the page with the reasons
next to the fields (status 422)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError, NotFound

from .. import selectors, services
from ..forms import MilestoneForm, ProjectForm, errors_to_form
from ..forms_setup import CandidateForm, CycleForm
from ..models import CYCLE_MANUAL_ACTIONS, CYCLE_TRANSITIONS, CandidateProject, Cycle, CycleStatus
from ..selectors import SETUP_ROLES
from .cycle_run import RUN_ROLES


def _submit(request, form, call, success: str, to):
    """Run ``call(cleaned_data)`` for a valid form; a refusal goes next to the fields (None then)."""
    if not form.is_valid():
        return None
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        errors_to_form(form, exc)
        return None
    messages.success(request, success)
    return redirect(to(result) if callable(to) else to)


def _page(request, template, context):
    return render(request, template, context, status=422 if request.method == "POST" else 200)


def _gate(call, **kw):
    try:
        return call(**kw)
    except NotFound as exc:
        raise Http404(str(exc.message)) from None


def _require_city(request) -> None:
    if not selectors.city_organiser(user=request.user):
        raise PermissionDenied(_("The yearly cycle is the whole city's: an organiser assigned at city level sets it up."))


PHASES = [CycleStatus.SOLICITING, CycleStatus.SCREENING, CycleStatus.VOTING, CycleStatus.DECIDED, CycleStatus.CLOSED]


# --- cycles -----------------------------------------------------------------------------
@staff(*RUN_ROLES)
def cycles(request):
    may_edit = selectors.city_organiser(user=request.user)
    form = CycleForm(request.POST or None)
    if request.method == "POST":
        _require_city(request)
        done = _submit(request, form, lambda d: services.cycle_create(actor=request.user, **d),
                       _("The cycle was opened; it now collects the public's ideas."),
                       lambda c: reverse("evaluation_panels:manage_cycle", args=[c.pk]))
        if done is not None:
            return done
    rows = Cycle.objects.order_by("-year")[:50]
    return _page(request, "evaluation_panels/manage/cycles.html", {"cycles": rows, "form": form, "may_edit": may_edit})


@staff(*RUN_ROLES)
def cycle_detail(request, cycle_id: int):
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404
    may_edit = selectors.city_organiser(user=request.user)
    here = reverse("evaluation_panels:manage_cycle", args=[cycle.pk])
    form = CycleForm(instance=cycle, editing=True)
    candidate_form = CandidateForm(units=selectors.setup_units(user=request.user))
    if request.method == "POST":
        _require_city(request)
        which = request.POST.get("form")
        if which == "cycle":
            form = CycleForm(request.POST, instance=Cycle.objects.get(pk=cycle.pk), editing=True)
            done = _submit(request, form, lambda d: services.cycle_update(cycle=cycle, actor=request.user, **d),
                           _("The cycle was saved."), here)
        elif which == "candidate":
            candidate_form = CandidateForm(request.POST, units=selectors.setup_units(user=request.user))
            done = _submit(request, candidate_form,
                           lambda d: services.candidate_save(cycle=cycle, actor=request.user, **d),
                           _("The candidate project was added to the ballot."), here)
        elif which == "phase" and request.POST.get("action") in CYCLE_MANUAL_ACTIONS:
            try:
                services.cycle_transition(cycle=cycle, action=request.POST["action"], actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("The cycle moved to its next phase."))
            return redirect(here)
        else:
            raise Http404
        if done is not None:
            return done
    actions = [{"code": a, "target": CycleStatus(CYCLE_TRANSITIONS[a].target).label,
                "hidden": {"form": "phase", "action": a}}
               for a in CYCLE_MANUAL_ACTIONS if cycle.status in CYCLE_TRANSITIONS[a].sources]
    return _page(request, "evaluation_panels/manage/cycle.html", {
        "cycle": cycle, "form": form, "candidate_form": candidate_form, "may_edit": may_edit,
        "phase_titles": [p.label for p in PHASES], "phase_now": PHASES.index(cycle.status) + 1, "actions": actions,
        "candidates": cycle.candidates.select_related("category", "lead_unit").order_by("order", "id"),
        "project_count": cycle.projects.count(),
    })


@staff(*SETUP_ROLES)
def candidate_edit(request, cycle_id: int, candidate_id: int):
    candidate = CandidateProject.objects.select_related("cycle").filter(pk=candidate_id, cycle_id=cycle_id).first()
    if candidate is None:
        raise Http404
    units = selectors.setup_units(user=request.user)
    form = CandidateForm(request.POST or None, units=units, initial={
        "title": candidate.title, "description": candidate.description, "category": candidate.category_id,
        "lead_unit": candidate.lead_unit_id, "budget": candidate.budget})
    if request.method == "POST":
        _require_city(request)
        done = _submit(request, form, lambda d: services.candidate_save(
            cycle=candidate.cycle, candidate=candidate, actor=request.user, **d),
            _("The candidate project was saved."), reverse("evaluation_panels:manage_cycle", args=[cycle_id]))
        if done is not None:
            return done
    return _page(request, "evaluation_panels/manage/candidate.html", {"candidate": candidate, "form": form})


# --- projects ---------------------------------------------------------------------------
@staff(*SETUP_ROLES)
def project_edit(request, project_id: int):
    project = _gate(selectors.project_get_for_setup, user=request.user, project_id=project_id)
    form = ProjectForm(request.POST or None, user=request.user, editing=True, initial={
        "title": project.title, "category": project.category_id, "lead_unit": project.lead_unit_id,
        "region": project.region_id, "budget": project.budget, "targets": project.targets})
    if request.method == "POST":
        done = _submit(request, form, lambda d: services.project_update(project=project, actor=request.user, **d),
                       _("The project was saved."), reverse("evaluation_panels:manage_projects"))
        if done is not None:
            return done
    return _page(request, "evaluation_panels/manage/project.html", {"project": project, "form": form})


@staff(*SETUP_ROLES)
def milestone_edit(request, project_id: int, milestone_id: int):
    project = _gate(selectors.project_get_for_setup, user=request.user, project_id=project_id)
    milestone = project.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404
    back = reverse("evaluation_panels:manage_milestones", args=[project.pk])
    form = MilestoneForm(request.POST or None, initial={"title": milestone.title, "due_on": milestone.due_on})
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            try:
                services.milestone_remove(milestone=milestone, actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc.message))
                return redirect(request.path)
            messages.success(request, _("The milestone was removed."))
            return redirect(back)
        done = _submit(request, form, lambda d: services.milestone_update(milestone=milestone, actor=request.user, **d),
                       _("The milestone was saved."), back)
        if done is not None:
            return done
    return _page(request, "evaluation_panels/manage/milestone.html",
                 {"project": project, "milestone": milestone, "form": form, "remove_fields": {"action": "remove"}})
