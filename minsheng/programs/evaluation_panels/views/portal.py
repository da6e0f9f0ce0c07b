"""Citizens' pages: ideas and their support, the delegate's ballot, and the panel member's
phone pages (invitations, check-in at the site, scoring, service recipients' views)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen
from minsheng.core.errors import DomainError, NotFound

from .. import selectors, services
from ..forms import BallotForm, IdeaForm, RecipientViewForm, ScoreForm, errors_to_form
from ..models import (
    EVALUATION_CLOSED,
    Cycle,
    CycleStatus,
    DelegateVote,
    Idea,
    IdeaSource,
    PanelSeat,
    SeatStatus,
    VoteStatus,
)
from . import show_errors


def _current_cycle():
    return Cycle.objects.order_by("-year").first()


@citizen
def idea_new(request):
    cycle = _current_cycle()
    if cycle is None or cycle.status != CycleStatus.SOLICITING:
        messages.warning(request, _("Ideas are not being collected at the moment."))
        return redirect("evaluation_panels:home")
    form = IdeaForm(request.POST or None)
    if request.method == "POST":
        data = request.POST
        try:
            services.idea_submit(cycle=cycle, title=data.get("title", ""), description=data.get("description", ""),
                                 source=IdeaSource.PUBLIC, user=request.user)
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Thank you. Your idea has been received and will be screened."))
            return redirect("evaluation_panels:home")
    return render(request, "evaluation_panels/idea_new.html", {"cycle": cycle, "form": form},
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
        show_errors(request, exc)
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
    candidates = vote.candidates.select_related("category", "lead_unit")
    form = BallotForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        try:
            services.ballot_cast(vote=vote, user=request.user, candidate_ids=request.POST.getlist("candidates"))
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Your ballot has been cast. It is stored without your name."))
            return redirect("evaluation_panels:vote", vote_id=vote.pk)
    names = dict(vote.candidates.values_list("id", "title"))
    rows = [dict(r, title=names.get(r["candidate"], "")) for r in vote.result] if vote.status == VoteStatus.PUBLISHED else []
    return render(request, "evaluation_panels/vote.html", {
        "vote": vote, "entry": entry, "form": form, "rows": rows,
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
        show_errors(request, exc)
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
            show_errors(request, exc)
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
    form = ScoreForm(request.POST or None, criteria=criteria, auto_id="%s")
    status = 200
    if request.method == "POST":
        data = request.POST
        scores = {str(c.id): data.get(f"c{c.id}") for c in criteria}
        try:
            services.scorecard_submit(evaluation=ev, user=request.user, overall=data.get("overall", ""), scores=scores,
                                      comment=data.get("comment", ""), photos=request.FILES.getlist("photos"))
        except DomainError as exc:
            if exc.fields:  # the service names criteria by id ("scores.12"); the field is "c12"
                errors_to_form(form, type(exc)(exc.message, fields={_score_field(k): v for k, v in exc.fields.items()}))
            else:  # closed, not checked in, already handed in: the page then shows no form
                show_errors(request, exc)
            status = exc.status
        else:
            messages.success(request, _("Your scorecard has been handed in. Thank you for evaluating."))
            return redirect("evaluation_panels:score", evaluation_id=ev.pk)
        seat.refresh_from_db()
    return render(request, "evaluation_panels/score.html", {
        "ev": ev, "seat": seat, "form": form, "recipient_form": RecipientViewForm(auto_id="recipient-%s"),
        "closed": ev.status in EVALUATION_CLOSED,
    }, status=status)


def _score_field(key: str) -> str:
    tail = key.rsplit(".", 1)[-1]
    return f"c{tail}" if tail.isdigit() else key


@citizen
@require_POST
def recipient_view(request, evaluation_id: int):
    try:
        ev, _seat = selectors.evaluation_for_member(user=request.user, evaluation_id=evaluation_id)
        services.recipient_view_add(evaluation=ev, user=request.user, overall=request.POST.get("overall", ""),
                                    comment=request.POST.get("comment", ""))
    except DomainError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, _("The service recipient's view has been recorded."))
    return redirect("evaluation_panels:score", evaluation_id=evaluation_id)


@citizen
def volunteer_join(request):
    """A citizen joins the pool from which evaluation panels are drawn (群众评议团)."""
    from ..forms import VolunteerJoinForm
    from ..models import Volunteer

    person = getattr(request.user, "person", None)
    member = Volunteer.objects.filter(person=person).first() if person else None
    ask_residence = person is not None and person.residence_region_id is None
    form = None if member else VolunteerJoinForm(request.POST or None, ask_residence=ask_residence)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            if person is None:
                raise NotFound(_("Verify your real name first: panel members are real-name citizens."))
            services.volunteer_enrol(person=person, actor=request.user,
                                     occupation=form.cleaned_data["occupation"],
                                     conflict_note=form.cleaned_data["conflict_note"],
                                     residence_region=form.cleaned_data.get("residence_region"))
            messages.success(request, _("Welcome to the panel pool. You will be told when you are drawn."))
            return redirect("evaluation_panels:volunteer_join")
        except DomainError as exc:
            show_errors(request, exc)
    return render(request, "evaluation_panels/volunteer_join.html", {"member": member, "form": form})
