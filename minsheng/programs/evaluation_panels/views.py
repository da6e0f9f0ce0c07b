"""Pages: public project pages and idea solicitation, delegate ballots, the panel member's phone
pages (check-in, scoring), the organiser's session page, the unit's pages and supervision."""

import segno
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen, public, staff
from minsheng.access.selectors import active_assignments, user_has_role
from minsheng.core.errors import DomainError, NotFound, ValidationFailed

from . import selectors, services
from .models import (
    CandidateProject,
    Cycle,
    CycleStatus,
    DelegateVote,
    EvaluationStatus,
    Grade,
    Idea,
    IdeaSource,
    IdeaStatus,
    PanelSeat,
    ProjectStatus,
    RectificationStatus,
    SeatStatus,
    VoteStatus,
)

ORGANISERS = ("panel_organiser", "congress_staff", "supervisor")


def _fail(request, exc: DomainError) -> None:
    messages.error(request, str(exc.message))
    for field_msgs in exc.fields.values():
        for m in field_msgs:
            if m != str(exc.message):
                messages.error(request, m)


def _current_cycle():
    return Cycle.objects.order_by("-year").first()


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


@citizen
def idea_new(request):
    cycle = _current_cycle()
    if cycle is None or cycle.status != CycleStatus.SOLICITING:
        messages.warning(request, _("Ideas are not being collected at the moment."))
        return redirect("evaluation_panels:home")
    data = {}
    if request.method == "POST":
        data = request.POST
        try:
            services.idea_submit(cycle=cycle, title=data.get("title", ""), description=data.get("description", ""),
                                 source=IdeaSource.PUBLIC, user=request.user)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Thank you. Your idea has been received and will be screened."))
            return redirect("evaluation_panels:home")
    return render(request, "evaluation_panels/idea_new.html", {"cycle": cycle, "data": data},
                  status=400 if request.method == "POST" else 200)


@citizen
@require_POST
def idea_support_view(request, idea_id: int):
    idea = Idea.objects.filter(pk=idea_id).select_related("cycle").first()
    if idea is None:
        return render(request, "evaluation_panels/not_found.html", status=404)
    try:
        services.idea_support(idea=idea, user=request.user)
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Your support has been counted."))
    return redirect("evaluation_panels:home")


@citizen
def vote_detail(request, vote_id: int):
    """The delegate's electronic ballot (anonymous) or the published result."""
    vote = DelegateVote.objects.filter(pk=vote_id).select_related("cycle").first()
    if vote is None:
        return render(request, "evaluation_panels/not_found.html", status=404)
    entry = vote.delegates.filter(user=request.user).first()
    if request.method == "POST":
        try:
            services.ballot_cast(vote=vote, user=request.user, candidate_ids=request.POST.getlist("candidates"))
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Your ballot has been cast. It is stored without your name."))
            return redirect("evaluation_panels:vote", vote_id=vote.pk)
    names = dict(vote.candidates.values_list("id", "title"))
    rows = [dict(r, title=names.get(r["candidate"], "")) for r in vote.result] if vote.status == VoteStatus.PUBLISHED else []
    return render(request, "evaluation_panels/vote.html", {
        "vote": vote, "entry": entry, "candidates": vote.candidates.select_related("category", "lead_unit"), "rows": rows,
    })


@citizen
def my_panels(request):
    seats = list(selectors.seats_of_member(user=request.user))
    return render(request, "evaluation_panels/my_panels.html", {"seats": seats, "SeatStatus": SeatStatus})


@citizen
@require_POST
def seat_respond_view(request, seat_id: int):
    seat = PanelSeat.objects.filter(pk=seat_id, volunteer__person__user=request.user).select_related("volunteer__person", "evaluation").first()
    if seat is None:
        return render(request, "evaluation_panels/not_found.html", status=404)
    try:
        services.seat_respond(seat=seat, user=request.user, accept=request.POST.get("accept") == "1")
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Thank you for your answer."))
    return redirect("evaluation_panels:my_panels")


@citizen
def checkin(request, token: str):
    """Opened from the QR code at the site: confirm and check in."""
    if request.method == "POST":
        try:
            seat = services.member_checkin(token=token, user=request.user)
        except DomainError as exc:
            _fail(request, exc)
            return render(request, "evaluation_panels/checkin.html", {"token": token}, status=exc.status)
        messages.success(request, _("You are checked in. You can now score the project."))
        return redirect("evaluation_panels:score", evaluation_id=seat.evaluation_id)
    return render(request, "evaluation_panels/checkin.html", {"token": token})


@citizen
def score(request, evaluation_id: int):
    """The scorecard on a phone: rubric scores, overall view, comment and photos."""
    try:
        ev, seat = selectors.evaluation_for_member(user=request.user, evaluation_id=evaluation_id)
    except NotFound:
        return render(request, "evaluation_panels/not_found.html", status=404)
    criteria = list(ev.rubric.criteria.all())
    data = {}
    status = 200
    if request.method == "POST":
        data = request.POST
        scores = {str(c.id): data.get(f"c{c.id}") for c in criteria}
        try:
            services.scorecard_submit(evaluation=ev, user=request.user, overall=data.get("overall", ""), scores=scores,
                                      comment=data.get("comment", ""), photos=request.FILES.getlist("photos"))
        except DomainError as exc:
            _fail(request, exc)
            status = exc.status
        else:
            messages.success(request, _("Your scorecard has been handed in. Thank you for evaluating."))
            return redirect("evaluation_panels:score", evaluation_id=ev.pk)
        seat.refresh_from_db()
    return render(request, "evaluation_panels/score.html", {
        "ev": ev, "seat": seat, "criteria": criteria, "data": data, "grades": Grade.choices,
        "closed": ev.status in (EvaluationStatus.GRADED, EvaluationStatus.NO_GRADE),
    }, status=status)


@citizen
@require_POST
def recipient_view(request, evaluation_id: int):
    try:
        ev, _seat = selectors.evaluation_for_member(user=request.user, evaluation_id=evaluation_id)
        services.recipient_view_add(evaluation=ev, user=request.user, overall=request.POST.get("overall", ""),
                                    comment=request.POST.get("comment", ""))
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The service recipient's view has been recorded."))
    return redirect("evaluation_panels:score", evaluation_id=evaluation_id)


@staff(*ORGANISERS)
def evaluation_manage(request, evaluation_id: int):
    """The organiser's page: publish candidates, run the draw, replace, show the QR, close."""
    try:
        ev = selectors.evaluation_get_for_organiser(user=request.user, evaluation_id=evaluation_id)
    except NotFound:
        return render(request, "evaluation_panels/not_found.html", status=404)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "candidates":
                services.evaluation_publish_candidates(evaluation=ev, actor=request.user)
                messages.success(request, _("The seed hash and the candidate list are published."))
            elif action == "draw":
                services.evaluation_run_draw(evaluation=ev, actor=request.user)
                messages.success(request, _("The panel has been drawn and its members invited."))
            elif action == "replace":
                seat = ev.seats.filter(pk=request.POST.get("seat")).first()
                if seat is None:
                    raise NotFound
                new = services.seat_replace(seat=seat, actor=request.user)
                if new is None:
                    messages.warning(request, _("No eligible volunteer is left in this stratum."))
                else:
                    messages.success(request, _("A replacement has been invited."))
            elif action == "close":
                ev = services.evaluation_close(evaluation=ev, actor=request.user)
                messages.success(request, _("The session is closed and the result is published."))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("evaluation_panels:evaluation_manage", evaluation_id=ev.pk)
    seats = ev.seats.select_related("volunteer__person", "volunteer__district").order_by("stratum", "position")
    checkin_url = request.build_absolute_uri(reverse("evaluation_panels:checkin", args=[services.checkin_token(evaluation=ev)]))
    return render(request, "evaluation_panels/evaluation_manage.html", {
        "ev": ev, "seats": seats, "checkin_url": checkin_url,
        "present": sum(1 for s in seats if s.checked_in_at), "scored": sum(1 for s in seats if s.has_scored),
    })


@staff(*ORGANISERS)
def evaluation_qr(request, evaluation_id: int):
    """The site QR code (SVG) carrying the signed, expiring check-in link."""
    try:
        ev = selectors.evaluation_get_for_organiser(user=request.user, evaluation_id=evaluation_id)
    except NotFound:
        return HttpResponse(status=404)
    url = request.build_absolute_uri(reverse("evaluation_panels:checkin", args=[services.checkin_token(evaluation=ev)]))
    return HttpResponse(segno.make(url, error="m").svg_inline(scale=6), content_type="image/svg+xml")


def _unit_ids(user) -> set[int]:
    return {a.organisation_id for a in active_assignments(user=user, roles=["project_unit_officer"])}


@staff("project_unit_officer")
def unit_projects(request):
    """The lead unit's projects, overdue milestones, rectification orders and bulk progress."""
    units = _unit_ids(request.user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a spreadsheet to upload."))
        else:
            try:
                job = services.progress_import(file=upload, actor=request.user, dry_run=request.POST.get("confirm") != "1")
            except DomainError as exc:
                _fail(request, exc)
            else:
                return redirect("imports:job", pk=job.pk)
    projects = selectors.supervision_projects(user=request.user).filter(lead_unit_id__in=units) if not request.user.is_superuser else selectors.supervision_projects(user=request.user)
    orders = selectors.RectificationOrder.objects.filter(lead_unit_id__in=units).select_related("project").exclude(status=RectificationStatus.CLOSED)
    return render(request, "evaluation_panels/unit.html", {"projects": projects, "orders": orders})


@staff("project_unit_officer")
def progress_new(request, project_id: int):
    try:
        project = selectors.project_get_for(user=request.user, project_id=project_id)
        services.unit_may_act(user=request.user, project=project)
    except DomainError:
        return render(request, "evaluation_panels/not_found.html", status=404)
    data = {}
    if request.method == "POST":
        data = request.POST
        try:
            services.progress_report_submit(project=project, percent_done=data.get("percent_done"), text=data.get("text", ""),
                                            actor=request.user, photos=request.FILES.getlist("photos"))
            for m in project.milestones.filter(done_on__isnull=True, pk__in=data.getlist("milestones_done")):
                services.milestone_complete(milestone=m, done_on=timezone.localdate(), actor=request.user)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The progress report has been published on the project page."))
            return redirect("evaluation_panels:project", project_id=project.pk)
    return render(request, "evaluation_panels/progress_new.html", {
        "project": project, "data": data, "open_milestones": project.milestones.filter(done_on__isnull=True),
    }, status=400 if request.method == "POST" else 200)


@staff("project_unit_officer", *ORGANISERS)
def rectification_detail(request, order_id: int):
    """整改: the unit writes its report; the organiser then schedules the re-evaluation."""
    try:
        order = selectors.rectification_get_for(user=request.user, order_id=order_id)
    except NotFound:
        return render(request, "evaluation_panels/not_found.html", status=404)
    is_unit = request.user.is_superuser or order.lead_unit_id in _unit_ids(request.user)
    is_organiser = user_has_role(user=request.user, roles=ORGANISERS) or request.user.is_superuser
    if request.method == "POST":
        try:
            if request.POST.get("action") == "report" and is_unit:
                services.rectification_report_submit(order=order, report=request.POST.get("report", ""), actor=request.user)
                messages.success(request, _("The rectification report has been submitted."))
            elif request.POST.get("action") == "reevaluate" and is_organiser:
                starts = parse_datetime(request.POST.get("starts_at", "") or "")
                ends = parse_datetime(request.POST.get("ends_at", "") or "")
                if not starts or not ends:
                    raise ValidationFailed.for_field("starts_at", _("Enter the start and end of the session."))
                starts, ends = (timezone.make_aware(d) if timezone.is_naive(d) else d for d in (starts, ends))
                ev = services.rectification_reevaluate(order=order, actor=request.user, place=request.POST.get("place", ""),
                                                       starts_at=starts, ends_at=ends)
                messages.success(request, _("The re-evaluation is scheduled; its panel candidates are published."))
                return redirect("evaluation_panels:evaluation_manage", evaluation_id=ev.pk)
        except DomainError as exc:
            _fail(request, exc)
        return redirect("evaluation_panels:rectification", order_id=order.pk)
    order = services.rectification_sync(order=order)  # reported from the workbench: show it here too
    return render(request, "evaluation_panels/rectification.html", {
        "order": order, "is_unit": is_unit, "is_organiser": is_organiser,
    })


@staff(*ORGANISERS)
def supervision(request):
    """All projects by status, grade, lead unit and district; units ranked."""
    g = request.GET
    cycles = list(Cycle.objects.order_by("-year"))
    cycle = next((c for c in cycles if str(c.year) == g.get("year")), cycles[0] if cycles else None)
    try:
        lead_unit = int(g.get("lead_unit") or 0) or None
    except ValueError:
        lead_unit = None
    projects = selectors.supervision_projects(user=request.user, status=g.get("status", ""), grade=g.get("grade", ""),
                                              lead_unit=lead_unit, district=g.get("district", ""), cycle=cycle)
    all_projects = selectors.supervision_projects(user=request.user, cycle=cycle)
    from minsheng.access.models import Organisation
    from minsheng.regions.models import Region

    return render(request, "evaluation_panels/supervision.html", {
        "cycle": cycle, "cycles": cycles, "projects": projects, "ranking": selectors.units_ranking(projects=all_projects),
        "counts": selectors.status_counts(projects=all_projects), "statuses": ProjectStatus.choices, "grades": Grade.choices,
        "units": Organisation.objects.filter(pk__in=all_projects.values("lead_unit_id")).order_by("name"),
        "districts": Region.objects.filter(pk__in=all_projects.values("region_id")).order_by("code"),
        "orders": selectors.RectificationOrder.objects.filter(project__in=all_projects.values("pk")).select_related("project", "lead_unit"),
        "evaluations": selectors.Evaluation.objects.filter(project__in=all_projects.values("pk")).select_related("project").order_by("-starts_at")[:50],
        "filters": g,
    })
