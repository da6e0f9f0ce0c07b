"""Public pages (no sign-in): the year's ideas, vote result and projects; a project's page."""

from django.shortcuts import render

from minsheng.access.decorators import public
from minsheng.core.errors import NotFound

from .. import selectors, services
from ..models import (
    CandidateProject,
    Cycle,
    CycleStatus,
    IdeaStatus,
    VoteStatus,
)


@public
def home(request):
    """The year's cycle: ideas to support, the vote result, projects with progress and grades."""
    cycles = list(Cycle.objects.order_by("-year")[:5])
    year = request.GET.get("year")
    cycle = next((c for c in cycles if str(c.year) == year), cycles[0] if cycles else None)
    ideas = projects = votes = []
    supported = set()
    if cycle:
        ideas = list(cycle.ideas.exclude(status=IdeaStatus.REJECTED).select_related("category")[:50])
        projects = list(selectors.projects_public(cycle=cycle))
        votes = list(cycle.votes.filter(status=VoteStatus.PUBLISHED))
        names = dict(CandidateProject.objects.filter(cycle=cycle).values_list("id", "title"))
        for v in votes:
            v.rows = [dict(r, title=names.get(r["candidate"], "")) for r in v.result]
        person = getattr(request.user, "person", None) if request.user.is_authenticated else None
        if person is not None:
            supported = set(person and cycle.ideas.filter(supports__person=person).values_list("id", flat=True))
    return render(request, "evaluation_panels/home.html", {
        "cycle": cycle, "cycles": cycles, "ideas": ideas, "projects": projects, "votes": votes,
        "supported": supported, "soliciting": cycle is not None and cycle.status == CycleStatus.SOLICITING,
    })


@public
def project_detail(request, project_id: int):
    """The public page of a project: targets, progress, timeline and published results."""
    try:
        project = selectors.project_public(project_id=project_id)
    except NotFound:
        return render(request, "evaluation_panels/not_found.html", status=404)
    reports = list(project.reports.all()[:50])
    photos = selectors.report_photos(reports=reports)
    evaluations = list(project.evaluations.filter(published_at__isnull=False).select_related("rubric", "draw"))
    for ev in evaluations:
        names = {str(c.id): c for c in ev.rubric.criteria.all()}
        ev.criteria_rows = [(names[k].name, names[k].weight, v, names[k].max_score) for k, v in ev.criterion_scores.items() if k in names]
        ev.reasons = services.reasons_collected(ev).splitlines()
    timeline = selectors.project_timeline(project=project)
    for item in timeline:
        if item["kind"] == "progress":
            item["photos"] = photos.get(item["report"].pk, [])
    return render(request, "evaluation_panels/project.html", {
        "project": project, "timeline": timeline, "rectifications": selectors.project_rectifications(project=project),
        "evaluations": evaluations, "upcoming": project.evaluations.filter(published_at__isnull=True).select_related("draw"),
    })
