"""The year's decision from the browser: the panel office or the congress staff (assigned at city
level) screen the public's ideas into candidates, open the delegates' 差额 vote, count and publish
it (with a run-off for a tie at the cut line), and the elected candidates become the year's projects.
Each step is one service of services/cycle.py or services/projects.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.access.decorators import staff
from minsheng.core.errors import DomainError

from .. import selectors, services
from ..forms import errors_to_form
from ..forms_setup import CandidateToProjectForm, ScreenForm, VoteOpenForm
from ..models import Cycle, DelegateVote

RUN_ROLES = ("panel_organiser", "congress_staff")


def _cycle(request, cycle_id: int) -> Cycle:
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404
    if request.method == "POST" and not selectors.city_organiser(user=request.user, roles=RUN_ROLES):
        raise PermissionDenied(_("The yearly cycle is the whole city's: an organiser assigned at city level sets it up."))
    return cycle


@staff(*RUN_ROLES)
def ideas(request, cycle_id: int):
    """初筛 — each submitted idea accepted as a candidate or not, with the published reason."""
    cycle = _cycle(request, cycle_id)
    units = selectors.setup_units(user=request.user, roles=RUN_ROLES)
    failed = None
    if request.method == "POST":
        idea = selectors.ideas_to_screen(cycle=cycle).filter(pk=request.POST.get("idea") or 0).first()
        if idea is None:
            raise Http404
        form = ScreenForm(request.POST, units=units, prefix=f"i{idea.pk}")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.idea_screen(idea=idea, accept=d["decision"] == "accept", reason=d["reason"], actor=request.user,
                                     lead_unit=d["lead_unit"], budget=d["budget"])
            except DomainError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("The idea was screened; the decision and its reason are published."))
                return redirect(request.path)
        failed = (idea.pk, form)
    page = Paginator(selectors.ideas_to_screen(cycle=cycle), 20).get_page(request.GET.get("page"))
    rows = [(i, failed[1] if failed and failed[0] == i.pk else ScreenForm(units=units, prefix=f"i{i.pk}"))
            for i in page]
    return render(request, "evaluation_panels/manage/ideas.html", {
        "cycle": cycle, "page": page, "rows": rows, "may_act": selectors.city_organiser(user=request.user, roles=RUN_ROLES),
    }, status=422 if failed else 200)


@staff(*RUN_ROLES)
def vote(request, cycle_id: int):
    """代表票决 — open, count and publish the vote; a run-off for a tie; elected candidates become projects."""
    cycle = _cycle(request, cycle_id)
    here = reverse("evaluation_panels:manage_vote", args=[cycle.pk])
    candidates = cycle.candidates.select_related("lead_unit").order_by("order", "id")
    open_form = VoteOpenForm(candidates=candidates, initial={"places": cycle.places, "candidates": list(candidates)})
    project_form = CandidateToProjectForm(regions=selectors.setup_regions(user=request.user))
    failed = False
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "open":
                open_form = VoteOpenForm(request.POST, candidates=candidates)
                if open_form.is_valid():
                    d = open_form.cleaned_data
                    services.vote_open(cycle=cycle, candidates=list(d["candidates"]), delegates=d["delegate_phones"],
                                       places=d["places"], closes_at=d["closes_at"], actor=request.user)
                    messages.success(request, _("The vote is open; the delegates see their ballot when they sign in."))
                    return redirect(here)
            elif action in ("tally", "publish", "runoff"):
                v = DelegateVote.objects.filter(cycle=cycle, pk=request.POST.get("vote") or 0).first()
                if v is None:
                    raise Http404
                if action == "tally":
                    services.vote_tally(vote=v, actor=request.user)
                    messages.success(request, _("The vote is closed and the ballots are counted."))
                elif action == "publish":
                    services.vote_publish(vote=v, actor=request.user)
                    messages.success(request, _("The result is published."))
                else:
                    services.vote_runoff_open(vote=v, actor=request.user)
                    messages.success(request, _("The run-off among the tied candidates is open."))
                return redirect(here)
            elif action == "project":
                if not selectors.city_organiser(user=request.user):
                    raise PermissionDenied
                elected = {c.pk: c for c in services.elected_candidates(cycle=cycle)}
                candidate = elected.get(int(request.POST.get("candidate") or 0))
                if candidate is None or hasattr(candidate, "project"):
                    raise Http404
                project_form = CandidateToProjectForm(request.POST, regions=selectors.setup_regions(user=request.user))
                if project_form.is_valid():
                    extra = {"category": project_form.cleaned_data["category"]} if project_form.cleaned_data["category"] else {}
                    p = services.project_create_from_candidate(candidate=candidate, region=project_form.cleaned_data["region"],
                                                               actor=request.user, **extra)
                    messages.success(request, _("The project was created. Add its milestones next."))
                    return redirect("evaluation_panels:manage_milestones", project_id=p.pk)
            else:
                raise Http404
        except DomainError as exc:
            if action == "open":
                errors_to_form(open_form, exc)
            elif action == "project":
                errors_to_form(project_form, exc)
            else:
                messages.error(request, str(exc.message))
        failed = True
    votes = list(cycle.votes.order_by("round"))
    names = dict(candidates.values_list("id", "title"))
    for v in votes:
        v.rows = [dict(r, title=names.get(r["candidate"], "")) for r in v.result]
        v.has_tie = any(r["tied"] for r in v.result)
    elected = services.elected_candidates(cycle=cycle)
    made = set(cycle.projects.exclude(candidate=None).values_list("candidate_id", flat=True))
    return render(request, "evaluation_panels/manage/vote.html", {
        "cycle": cycle, "votes": votes, "open_form": open_form, "project_form": project_form,
        "may_open": not votes and candidates.exists(), "elected": [(c, c.pk in made) for c in elected],
        "may_act": selectors.city_organiser(user=request.user, roles=RUN_ROLES),
        "may_make": selectors.city_organiser(user=request.user),
    }, status=422 if failed else 200)
