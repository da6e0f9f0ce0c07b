"""On-site sessions: QR check-in, scorecards, service recipients' views, results, rectification."""

from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed

from .. import notices, processes
from ..models import (
    EVALUATION_CLOSED,
    EVALUATION_TRANSITIONS,
    Evaluation,
    EvaluationStatus,
    Grade,
    PanelSeat,
    Project,
    ProjectStatus,
    RecipientView,
    RectificationOrder,
    RectificationStatus,
    Scorecard,
    SeatStatus,
)
from ..selectors import unit_officers
from . import grading
from .panels import volunteer_conflict

RECTIFICATION_WORKING_DAYS = processes.RECTIFICATION_WORKING_DAYS
PANEL_OFFICE_USERNAME = "system.evaluation_panels"

CHECKIN_SALT = "evaluation_panels.checkin"
# The QR may be scanned from shortly before the start until the end of the session.
CHECKIN_EARLY_MINUTES = 60


def checkin_token(*, evaluation: Evaluation) -> str:
    """A signed token for the site QR code; it names the evaluation and expires with the session."""
    return signing.dumps({"e": evaluation.pk, "x": int(evaluation.ends_at.timestamp())}, salt=CHECKIN_SALT)


def _read_token(token: str) -> int:
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature:
        raise ValidationFailed.for_field(
            "token", _("This check-in code is not valid. Scan the QR code displayed at the site again.")
        ) from None
    if timezone.now().timestamp() > data["x"]:
        raise Conflict(_("This check-in code has expired: the session is over."), code="state_changed")
    return int(data["e"])


def _member_seat(*, evaluation: Evaluation, user) -> PanelSeat:
    seat = (
        PanelSeat.objects.select_related("volunteer__person", "volunteer__employer")
        .filter(evaluation=evaluation, volunteer__person__user=user)
        .exclude(status__in=[SeatStatus.DECLINED, SeatStatus.REPLACED])
        .first()
    )
    if seat is None:
        raise NotAllowed(_("You are not a member of the panel drawn for this evaluation."))
    return seat


def _conflict_refusal(seat: PanelSeat, project: Project) -> None:
    why = volunteer_conflict(volunteer=seat.volunteer, project=project)
    if why:
        raise NotAllowed(
            _("You cannot evaluate this project because you %(why)s. Tell the organiser so a replacement can be invited.")
            % {"why": why}
        )


def member_checkin(*, token: str, user) -> PanelSeat:
    """Check in on site by scanning the QR code (a signed, expiring token)."""
    evaluation_id = _read_token(token)
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update(of=("self",)).select_related("project").filter(pk=evaluation_id).first()
        if ev is None:
            raise NotFound(_("This evaluation no longer exists."))
        now = timezone.now()
        if ev.status in EVALUATION_CLOSED or now > ev.ends_at:
            raise Conflict(_("This session is closed; check-in is no longer possible."), code="state_changed")
        if ev.status not in (EvaluationStatus.DRAWN, EvaluationStatus.OPEN):
            raise Conflict(_("The panel for this evaluation has not been drawn yet."), code="state_changed")
        if now < ev.starts_at - timezone.timedelta(minutes=CHECKIN_EARLY_MINUTES):
            raise Conflict(_("Check-in opens one hour before the session starts. Please scan again later."), code="state_changed")
        seat = _member_seat(evaluation=ev, user=user)
        _conflict_refusal(seat, ev.project)
        if seat.checked_in_at:
            return seat  # scanning twice is harmless
        seat.checked_in_at = now
        if seat.status == SeatStatus.INVITED:
            seat.status = SeatStatus.ACCEPTED
            seat.responded_at = now
        seat.save(update_fields=["checked_in_at", "status", "responded_at"])
        if ev.status == EvaluationStatus.DRAWN:
            ev.status = EvaluationStatus.OPEN
            ev.save(update_fields=["status", "updated_at"])
        audit_record(event_type="evaluation_panels.checkin", actor=user, target=ev)
    return seat


def _check_scores(ev: Evaluation, scores: dict) -> tuple[dict, Decimal]:
    criteria = list(ev.rubric.criteria.all())
    clean, errors = {}, {}
    for c in criteria:
        raw = scores.get(str(c.id), scores.get(c.id))
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[f"scores.{c.id}"] = [_("Give %(name)s a score from 0 to %(max)s.") % {"name": c.name, "max": c.max_score}]
            continue
        if not 0 <= value <= c.max_score:
            errors[f"scores.{c.id}"] = [_("Give %(name)s a score from 0 to %(max)s.") % {"name": c.name, "max": c.max_score}]
            continue
        clean[str(c.id)] = value
    if errors:
        raise ValidationFailed(fields=errors)
    return clean, grading.weighted_score(scores=clean, criteria=[(c.id, c.weight, c.max_score) for c in criteria])


def scorecard_submit(
    *, evaluation: Evaluation, user, overall: str, scores: dict, comment: str = "", photos=(),
) -> Scorecard:
    """A checked-in member's anonymous scorecard. Refused without check-in, a second time,
    after the session closed, or for a member with a declared conflict."""
    from minsheng.attachments.services import attachment_store

    if overall not in Grade.values:
        raise ValidationFailed.for_field("overall", _("Choose satisfied, basically satisfied or dissatisfied."))
    if overall in (Grade.BASIC, Grade.DISSATISFIED) and not (comment or "").strip():
        raise ValidationFailed.for_field(
            "comment", _("Say what falls short: a reason is required with basically satisfied or dissatisfied.")
        )
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update(of=("self",)).select_related("project", "rubric").get(pk=evaluation.pk)
        if ev.status in EVALUATION_CLOSED or timezone.now() > ev.ends_at:
            raise Conflict(_("This session is closed. Scorecards are no longer accepted."), code="state_changed")
        seat = _member_seat(evaluation=ev, user=user)
        seat = PanelSeat.objects.select_for_update(of=("self",)).select_related("volunteer__employer").get(pk=seat.pk)
        _conflict_refusal(seat, ev.project)
        if not seat.checked_in_at:
            raise NotAllowed(_("Check in first by scanning the QR code at the site; then you can score."))
        if seat.has_scored:
            raise Conflict(_("You have already handed in your scorecard for this evaluation."), code="duplicate")
        clean, weighted = _check_scores(ev, scores)
        card = Scorecard.objects.create(
            evaluation=ev, overall=overall, scores=clean, weighted_score=weighted, comment=(comment or "").strip()
        )
        # Photos are evidence of the evaluation, not of the scorecard, so they do not identify it.
        for photo in photos:
            attachment_store(file=photo, owner=user, target=ev, allowed_types=("image/jpeg", "image/png"),
                             field="photos")
        seat.has_scored = True
        seat.save(update_fields=["has_scored"])
        audit_record(event_type="evaluation_panels.scorecard", actor=user, target=ev)
    return card


def recipient_view_add(*, evaluation: Evaluation, user, overall: str, comment: str = "") -> RecipientView:
    """A service recipient met on site gives their view (recorded by a checked-in member or the organiser)."""
    if overall not in Grade.values:
        raise ValidationFailed.for_field("overall", _("Choose satisfied, basically satisfied or dissatisfied."))
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if ev.status in EVALUATION_CLOSED or timezone.now() > ev.ends_at:
            raise Conflict(_("This session is closed. Views are no longer accepted."), code="state_changed")
        if not user.is_staff:
            seat = _member_seat(evaluation=ev, user=user)
            if not seat.checked_in_at:
                raise NotAllowed(_("Check in first by scanning the QR code at the site; then you can record views."))
        view = RecipientView.objects.create(evaluation=ev, overall=overall, comment=(comment or "").strip())
        audit_record(event_type="evaluation_panels.recipient_view", actor=user, target=ev)
    return view


def evaluation_close(*, evaluation: Evaluation, actor) -> Evaluation:
    """Close the session, count and grade it (or say why there is no grade). The result is the
    panel office's until it publishes it (``evaluation_publish``)."""
    from django.db.models import Count

    with transaction.atomic():
        ev = Evaluation.objects.select_for_update(of=("self",)).select_related("project", "rubric").get(pk=evaluation.pk)
        if ev.status in EVALUATION_CLOSED:
            raise Conflict(_("This evaluation is already closed."), code="state_changed")
        if ev.status not in (EvaluationStatus.DRAWN, EvaluationStatus.OPEN):
            raise Conflict(_("Draw the panel and hold the session before closing it."), code="state_changed")
        counts = dict(ev.scorecards.values_list("overall").annotate(n=Count("id")))
        s, b, d = (counts.get(g, 0) for g in (Grade.SATISFIED, Grade.BASIC, Grade.DISSATISFIED))
        present = ev.seats.filter(checked_in_at__isnull=False).count()
        rule = grading.GRADE_RULES[ev.grade_rule]
        result = rule(satisfied=s, basic=b, present=present, panel_size=ev.panel_size, quorum_fraction=ev.quorum_fraction)
        ev.present_count, ev.satisfied_count, ev.basic_count, ev.dissatisfied_count = present, s, b, d
        ev.recipient_counts = dict(ev.recipient_views.values_list("overall").annotate(n=Count("id")))
        ev.satisfaction_rate = grading.satisfaction_rate(satisfied=s, basic=b, dissatisfied=d, formula=ev.satisfaction_formula)
        cards = list(ev.scorecards.values_list("scores", "weighted_score"))
        if cards:
            crit = {}
            for scores, _w in cards:
                for cid, v in scores.items():
                    crit.setdefault(cid, []).append(v)
            ev.criterion_scores = {cid: round(sum(v) / len(v), 2) for cid, v in crit.items()}
            ev.weighted_score = (sum(w for _s, w in cards) / len(cards)).quantize(Decimal("0.01"))
        ev.grade = result.grade
        ev.no_grade_reason = result.reason
        ev.status = EvaluationStatus.GRADED if result.grade else EvaluationStatus.NO_GRADE
        ev.closed_at = timezone.now()
        ev.save()
        audit_record(
            event_type="evaluation_panels.evaluation_close", actor=actor, target=ev,
            new={"grade": ev.grade, "present": present, "votes": [s, b, d], "rate": str(ev.satisfaction_rate),
                 "no_grade_reason": ev.no_grade_reason},
        )
    return ev


def evaluation_needs_rectification(ev: Evaluation) -> bool:
    """整改 when the grade is dissatisfied or the satisfaction rate is below the evaluation's threshold."""
    return bool(ev.grade) and (ev.grade == Grade.DISSATISFIED or (
        ev.satisfaction_rate is not None and ev.satisfaction_rate < ev.rectify_below))


def evaluation_publish(*, evaluation: Evaluation, actor) -> Evaluation:
    """公布评议结果 — the declared ``publish`` step of a closed session: the result goes public on the
    project's page, the project takes the grade, a re-evaluation closes the order it followed, and a
    rectification order is issued to the lead unit when the result calls for one."""
    t = EVALUATION_TRANSITIONS["publish"]
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update(of=("self",)).select_related("project", "rubric").get(pk=evaluation.pk)
        if ev.status not in t.sources:
            message = (_("This result is already published.") if ev.status == t.target
                       else _("Close the session first; then its result can be published."))
            raise Conflict(message, code="state_changed")
        old = ev.status
        ev.status = t.target
        ev.published_at = timezone.now()
        ev.save(update_fields=["status", "published_at", "updated_at"])
        order = None
        if ev.grade:
            project = Project.objects.select_for_update().get(pk=ev.project_id)
            needs = evaluation_needs_rectification(ev)
            project.grade = ev.grade
            project.satisfaction_rate = ev.satisfaction_rate
            project.status = ProjectStatus.RECTIFYING if needs else ProjectStatus.EVALUATED
            project.save(update_fields=["grade", "satisfaction_rate", "status", "updated_at"])
            if ev.rectification_id:
                _rectification_close(order_id=ev.rectification_id, evaluation=ev, actor=actor)
            if needs:
                order = _rectification_issue(ev, project, actor)
        audit_record(
            event_type="evaluation_panels.evaluation_publish", actor=actor, target=ev,
            old={"status": old}, new={"status": ev.status, "grade": ev.grade, "rectification": getattr(order, "pk", None)},
        )
    return ev


def reasons_collected(ev: Evaluation) -> str:
    """Every 基本满意 / 不满意 reason of the members and of service recipients, one per line."""
    lines = [
        f"[{Grade(o).label}] {c}"
        for o, c in ev.scorecards.filter(overall__in=[Grade.BASIC, Grade.DISSATISFIED]).values_list("overall", "comment")
        if c
    ]
    recipient = _("service recipient")
    lines += [
        f"[{recipient} · {Grade(o).label}] {c}"
        for o, c in ev.recipient_views.filter(overall__in=[Grade.BASIC, Grade.DISSATISFIED]).values_list("overall", "comment")
        if c
    ]
    return "\n".join(str(line) for line in lines)


def panel_office_account():
    """The account standing for the panel office that issues rectification orders (the cases' applicant).

    It cannot sign in; the organiser who really acted is named in each case event's data
    and in this app's audit entries.
    """
    from minsheng.identity.models import User

    user, created = User.objects.get_or_create(
        username=PANEL_OFFICE_USERNAME, defaults={"name": "群众评议团办公室", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _by(actor) -> dict:
    return {"by": actor.pk, "by_name": str(actor)} if getattr(actor, "pk", None) else {"by": None}


def _rectification_issue(ev: Evaluation, project: Project, actor) -> RectificationOrder:
    """Open the rectification case (routed to the lead unit, report due in working days) and its order."""
    from minsheng.cases.services import case_open
    from minsheng.notifications.services import notification_send

    reasons = reasons_collected(ev) or _("Rated below the threshold; no written reasons were given.")
    case = case_open(
        process_key=processes.PROCESS_KEY, applicant=panel_office_account(), actor=actor if getattr(actor, "pk", None) else None,
        region=project.region, organisation=project.lead_unit,
        payload={"project": project.pk, "project_title": project.title, "evaluation": ev.pk, "grade": ev.grade,
                 "rate": str(ev.satisfaction_rate) if ev.satisfaction_rate is not None else None, "reasons": str(reasons)},
    )
    order = RectificationOrder.objects.create(
        evaluation=ev, project=project, lead_unit=project.lead_unit, reasons=reasons,
        deadline_at=case.due_at, deadline_provisional=case.due_provisional, case=case,
    )
    audit_record(event_type="evaluation_panels.rectification_issue", actor=actor, target=order,
                 new={"deadline": case.due_at.isoformat(), "case": case.reference})
    rate = f"{ev.satisfaction_rate * 100:.2f}%" if ev.satisfaction_rate is not None else "—"
    for user in unit_officers(organisation=project.lead_unit):
        notification_send(
            recipient=user, template=notices.RECTIFICATION,
            context={"project": project.title, "grade": Grade(ev.grade).label, "rate": rate,
                     "deadline": timezone.localtime(case.due_at).strftime("%Y-%m-%d")},
            dedupe_key=f"ep-rectify-{order.pk}-{user.pk}",
        )
    return order


def _case_step(order: RectificationOrder, action: str, actor, data: dict) -> None:
    """Move the order's case on as the panel office (the case's applicant), naming the real actor."""
    from minsheng.cases.services import case_act

    case_act(case=order.case, action=action, actor=order.case.applicant, data={**data, **_by(actor)})


def rectification_sync(*, order: RectificationOrder) -> RectificationOrder:
    """Bring the order up to date with its case when the lead unit reported from the workbench."""
    from minsheng.cases.models import CaseEvent

    if order.case_id is None or order.status != RectificationStatus.OPEN:
        return order
    with transaction.atomic():
        locked = RectificationOrder.objects.select_for_update(of=("self",)).select_related("case").get(pk=order.pk)
        if locked.status != RectificationStatus.OPEN or locked.case.state == processes.REPORT_DUE:
            return locked
        event = CaseEvent.objects.filter(case_id=locked.case_id, action="submit_report").order_by("-at", "-id").first()
        if event is None:
            return locked
        locked.report, locked.reported_at, locked.reported_by_id = event.comment, event.at, event.actor_id
        locked.status = RectificationStatus.REPORTED
        locked.save(update_fields=["report", "reported_at", "reported_by", "status", "updated_at"])
        audit_record(event_type="evaluation_panels.rectification_report", actor=event.actor, target=locked,
                     new={"on_time": event.at <= locked.deadline_at, "via": "case"})
    return locked


def rectification_report_submit(*, order: RectificationOrder, report: str, actor, evidence=()) -> RectificationOrder:
    """The lead unit's written rectification report (书面整改报告) with its evidence (photos, PDF
    documents, each checked by minsheng.attachments); moves the case on."""
    from minsheng.attachments.services import attachment_store
    from minsheng.cases.services import case_act

    if len((report or "").strip()) < 20:
        raise ValidationFailed.for_field(
            "report", _("Write the rectification report: what was found, what was done, and the result (at least 20 characters).")
        )
    order = rectification_sync(order=order)
    with transaction.atomic():
        order = RectificationOrder.objects.select_for_update(of=("self",)).select_related("case").get(pk=order.pk)
        if order.status != RectificationStatus.OPEN:
            raise Conflict(_("The report for this rectification order has already been submitted."), code="state_changed")
        if order.case_id:
            case_act(case=order.case, action="submit_report", actor=actor, comment=report.strip())
        for file in evidence:
            attachment_store(file=file, owner=actor, target=order, field="evidence",
                             allowed_types=("image/jpeg", "image/png", "application/pdf"))
        order.report = report.strip()
        order.reported_at = timezone.now()
        order.reported_by = actor
        order.status = RectificationStatus.REPORTED
        order.save(update_fields=["report", "reported_at", "reported_by", "status", "updated_at"])
        audit_record(event_type="evaluation_panels.rectification_report", actor=actor, target=order,
                     new={"on_time": order.reported_at <= order.deadline_at})
    return order


def rectification_reevaluate(
    *, order: RectificationOrder, actor, place: str, starts_at, ends_at, panel_size: int | None = None, seed=None,
) -> Evaluation:
    """Schedule the re-evaluation by a newly drawn panel (earlier panel members excluded)."""
    from .panels import evaluation_create, evaluation_publish_candidates

    order = rectification_sync(order=order)
    order = RectificationOrder.objects.select_related("evaluation", "project", "case").get(pk=order.pk)
    if order.status != RectificationStatus.REPORTED:
        raise Conflict(_("The lead unit must submit its rectification report before the re-evaluation."), code="state_changed")
    prev = order.evaluation
    with transaction.atomic():
        ev = evaluation_create(
            project=order.project, place=place, starts_at=starts_at, ends_at=ends_at,
            panel_size=panel_size or prev.panel_size, actor=actor, rubric=prev.rubric,
            quorum_fraction=prev.quorum_fraction, satisfaction_formula=prev.satisfaction_formula,
            rectify_below=prev.rectify_below, rectification=order,
        )
        evaluation_publish_candidates(evaluation=ev, actor=actor, seed=seed)
        updated = RectificationOrder.objects.filter(pk=order.pk, status=RectificationStatus.REPORTED).update(
            status=RectificationStatus.REEVALUATING, updated_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("Someone else has already scheduled the re-evaluation. Reload the page."), code="state_changed")
        if order.case_id:
            _case_step(order, "schedule_reevaluation", actor, {"evaluation": ev.pk})
        audit_record(event_type="evaluation_panels.rectification_reevaluate", actor=actor, target=order, new={"evaluation": ev.pk})
    ev.refresh_from_db()
    return ev


def _rectification_close(*, order_id: int, evaluation: Evaluation, actor) -> None:
    """The re-evaluation's result is published: the earlier order and its case are closed."""
    prior = RectificationOrder.objects.select_for_update(of=("self",)).select_related("case").get(pk=order_id)
    prior.status = RectificationStatus.CLOSED
    prior.closed_at = timezone.now()
    prior.save(update_fields=["status", "closed_at", "updated_at"])
    if prior.case_id and prior.case.closed_at is None:
        data = {"evaluation": evaluation.pk, "grade": evaluation.grade}
        if prior.case.state == processes.REPORTED:
            _case_step(prior, "schedule_reevaluation", actor, data)
            prior.case.refresh_from_db()
        if prior.case.state == processes.REEVALUATING:
            _case_step(prior, "close", actor, data)
