"""Set-up by the panel office: the year's cycle and its phases, candidate projects, edits of
projects and milestones, the volunteer pool's membership and the rescheduling of a session.

Each function is one change, audited in its transaction; phase changes follow the declared
``CYCLE_TRANSITIONS`` (models/cycle.py).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from ..models import (
    CYCLE_TRANSITIONS,
    CandidateProject,
    Category,
    Cycle,
    CycleStatus,
    Evaluation,
    EvaluationStatus,
    Milestone,
    Project,
    ProjectStatus,
    Volunteer,
)

CYCLE_FIELDS = ("title", "places", "ideas_open_until", "vote_on", "evaluations_from", "evaluations_until")


def _check_cycle(*, year: int, title: str, places: int, ideas_open_until, vote_on, evaluations_from,
                 evaluations_until, exclude_pk=None) -> dict:
    errors: dict[str, list] = {}
    if not 2000 <= int(year or 0) <= 2100:
        errors["year"] = [_("Enter the year as four digits, e.g. 2027.")]
    elif Cycle.objects.filter(year=year).exclude(pk=exclude_pk).exists():
        errors["year"] = [_("There is already a cycle for %(year)s. Open it and edit it instead.") % {"year": year}]
    if not (title or "").strip():
        errors["title"] = [_("Give the cycle a title, e.g. “2027 key livelihood projects”.")]
    if int(places or 0) < 1:
        errors["places"] = [_("The vote must choose at least one project.")]
    order = [("ideas_open_until", ideas_open_until), ("vote_on", vote_on),
             ("evaluations_from", evaluations_from), ("evaluations_until", evaluations_until)]
    given = [(name, d) for name, d in order if d is not None]
    for (_a, earlier), (name, later) in zip(given, given[1:], strict=False):
        if later < earlier:
            errors.setdefault(name, []).append(
                _("The phases run in order: ideas, the delegate vote, then the on-site evaluations. "
                  "Choose a date on or after %(date)s.") % {"date": earlier.isoformat()})
    return errors


def cycle_create(
    *, year: int, title: str, actor, places: int = 10, ideas_open_until: date | None = None,
    vote_on: date | None = None, evaluations_from: date | None = None, evaluations_until: date | None = None,
) -> Cycle:
    """Open a new yearly cycle (collecting ideas) with its phase dates."""
    errors = _check_cycle(year=year, title=title, places=places, ideas_open_until=ideas_open_until, vote_on=vote_on,
                          evaluations_from=evaluations_from, evaluations_until=evaluations_until)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        cycle = Cycle.objects.create(
            year=year, title=title.strip(), places=places, ideas_open_until=ideas_open_until, vote_on=vote_on,
            evaluations_from=evaluations_from, evaluations_until=evaluations_until,
        )
        audit_record(event_type="evaluation_panels.cycle_create", actor=actor, target=cycle,
                     new={"year": year, "places": places})
    return cycle


def cycle_update(
    *, cycle: Cycle, title: str, actor, places: int, ideas_open_until: date | None = None,
    vote_on: date | None = None, evaluations_from: date | None = None, evaluations_until: date | None = None,
) -> Cycle:
    """Change the cycle's title, places and phase dates (the year stays). A closed cycle is a record."""
    if cycle.status == CycleStatus.CLOSED:
        raise Conflict(_("This cycle is closed; its record can no longer be changed."), code="state_changed")
    if places != cycle.places and cycle.votes.exists():
        raise ValidationFailed.for_field(
            "places", _("The delegates' vote has been opened, so the number of projects to choose can no longer change."))
    errors = _check_cycle(year=cycle.year, title=title, places=places, ideas_open_until=ideas_open_until,
                          vote_on=vote_on, evaluations_from=evaluations_from, evaluations_until=evaluations_until,
                          exclude_pk=cycle.pk)
    if errors:
        raise ValidationFailed(fields=errors)
    new = {"title": title.strip(), "places": places, "ideas_open_until": ideas_open_until, "vote_on": vote_on,
           "evaluations_from": evaluations_from, "evaluations_until": evaluations_until}
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        old = {f: getattr(locked, f) for f in CYCLE_FIELDS}
        for f, v in new.items():
            setattr(locked, f, v)
        locked.save(update_fields=[*CYCLE_FIELDS, "updated_at"])
        audit_record(event_type="evaluation_panels.cycle_update", actor=actor, target=locked,
                     old={k: str(v) for k, v in old.items()}, new={k: str(v) for k, v in new.items()})
    return locked


def cycle_transition(*, cycle: Cycle, action: str, actor) -> Cycle:
    """Move the cycle to its next phase along a declared transition (refused from any other phase)."""
    t = CYCLE_TRANSITIONS.get(action)
    if t is None:
        raise ValidationFailed(_("This is not a step of the cycle."))
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.status == t.target:
            return locked
        if locked.status not in t.sources:
            raise Conflict(
                _("The cycle is at “%(phase)s”, so it cannot move to “%(target)s”. Reload the page.")
                % {"phase": locked.get_status_display(), "target": CycleStatus(t.target).label},
                code="state_changed",
            )
        old = locked.status
        locked.status = t.target
        locked.save(update_fields=["status", "updated_at"])
        audit_record(event_type="evaluation_panels.cycle_transition", actor=actor, target=locked,
                     old={"status": old}, new={"status": t.target, "action": action})
    cycle.status = locked.status
    return locked


def _budget(value) -> Decimal:
    try:
        budget = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed.for_field("budget", _("Enter the budget as a number of 10,000 yuan, e.g. 350.5.")) from None
    if budget < 0:
        raise ValidationFailed.for_field("budget", _("The budget cannot be negative."))
    return budget


def candidate_save(
    *, cycle: Cycle, title: str, actor, candidate: CandidateProject | None = None, description: str = "",
    category: Category | None = None, lead_unit=None, budget=0,
) -> CandidateProject:
    """Add a candidate project to the cycle's ballot, or change one, while the ballot is not yet cast."""
    if not (title or "").strip():
        raise ValidationFailed.for_field("title", _("Give the candidate project a title."))
    budget = _budget(budget)
    if cycle.status not in (CycleStatus.SOLICITING, CycleStatus.SCREENING):
        raise Conflict(_("The delegates' vote has been opened; the candidates can no longer change."), code="state_changed")
    fields = {"title": title.strip(), "description": (description or "").strip(), "category": category,
              "lead_unit": lead_unit, "budget": budget}
    with transaction.atomic():
        if candidate is None:
            candidate = CandidateProject.objects.create(cycle=cycle, order=cycle.candidates.count() + 1, **fields)
            audit_record(event_type="evaluation_panels.candidate_create", actor=actor, target=candidate,
                         new={"budget": str(budget)})
        else:
            if candidate.cycle_id != cycle.pk:
                raise ValidationFailed(_("This candidate belongs to another cycle."))
            old = {"title": candidate.title, "budget": str(candidate.budget), "lead_unit": candidate.lead_unit_id}
            for k, v in fields.items():
                setattr(candidate, k, v)
            candidate.save(update_fields=[*fields, "updated_at"])
            audit_record(event_type="evaluation_panels.candidate_update", actor=actor, target=candidate, old=old,
                         new={"title": candidate.title, "budget": str(budget), "lead_unit": candidate.lead_unit_id})
    return candidate


def project_update(
    *, project: Project, title: str, category: Category, lead_unit, region, actor, budget=0, targets: str = "",
    description: str = "",
) -> Project:
    """Change a project's particulars. Once it has been evaluated its lead unit stays (the result names it)."""
    if not (title or "").strip():
        raise ValidationFailed.for_field("title", _("Give the project a title."))
    budget = _budget(budget)
    if project.status == ProjectStatus.EVALUATED or project.evaluations.filter(published_at__isnull=False).exists():
        if lead_unit.pk != project.lead_unit_id:
            raise ValidationFailed.for_field(
                "lead_unit", _("The project has a published result, so its lead unit can no longer change."))
    fields = {"title": title.strip(), "category": category, "lead_unit": lead_unit, "region": region,
              "budget": budget, "targets": targets or "", "description": description or ""}
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        old = {"title": locked.title, "lead_unit": locked.lead_unit_id, "region": locked.region_id,
               "budget": str(locked.budget)}
        for k, v in fields.items():
            setattr(locked, k, v)
        locked.save(update_fields=[*fields, "updated_at"])
        audit_record(event_type="evaluation_panels.project_update", actor=actor, target=locked, old=old,
                     new={"title": locked.title, "lead_unit": lead_unit.pk, "region": region.pk, "budget": str(budget)})
    return locked


def milestone_update(*, milestone: Milestone, title: str, due_on: date, actor) -> Milestone:
    """Rename or re-date a milestone that is not yet done."""
    if not (title or "").strip():
        raise ValidationFailed.for_field("title", _("Give the milestone a title."))
    with transaction.atomic():
        m = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if m.done_on:
            raise Conflict(_("This milestone is already done; its record can no longer change."), code="state_changed")
        old = {"title": m.title, "due_on": str(m.due_on)}
        m.title, m.due_on = title.strip(), due_on
        fields = ["title", "due_on"]
        if m.overdue_flagged_at and due_on >= timezone.localdate():
            m.overdue_flagged_at = None  # moved into the future: it may be flagged again when late
            fields.append("overdue_flagged_at")
        m.save(update_fields=fields)
        audit_record(event_type="evaluation_panels.milestone_update", actor=actor, target=m, old=old,
                     new={"title": m.title, "due_on": str(due_on)})
    return m


def milestone_remove(*, milestone: Milestone, actor) -> None:
    """Remove a milestone added by mistake (not one already done)."""
    with transaction.atomic():
        m = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if m.done_on:
            raise Conflict(_("This milestone is already done and stays on the record."), code="state_changed")
        audit_record(event_type="evaluation_panels.milestone_remove", actor=actor, target=m,
                     old={"title": m.title, "due_on": str(m.due_on)})
        m.delete()


def volunteer_set_active(*, volunteer: Volunteer, active: bool, reason: str, actor) -> Volunteer:
    """Take a volunteer out of the pool (no longer drawn) or put them back — always with a reason."""
    if not (reason or "").strip():
        raise ValidationFailed.for_field("reason", _("Give the reason; it is kept with the volunteer's record."))
    with transaction.atomic():
        v = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if v.is_active == active:
            raise Conflict(_("The volunteer is already in the pool.") if active
                           else _("The volunteer is already out of the pool."), code="state_changed")
        v.is_active = active
        v.save(update_fields=["is_active", "updated_at"])
        audit_record(event_type="evaluation_panels.volunteer_active", actor=actor, target=v,
                     old={"is_active": not active}, new={"is_active": active, "reason": reason.strip()})
    return v


def evaluation_reschedule(*, evaluation: Evaluation, place: str, starts_at, ends_at, actor) -> Evaluation:
    """Move the session (place and time) before its panel is drawn; after the draw the invitations stand."""
    errors = {}
    if not (place or "").strip():
        errors["place"] = [_("Say where the panel meets on site.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The session must end after it starts.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if ev.status not in (EvaluationStatus.PLANNED, EvaluationStatus.CANDIDATES):
            raise Conflict(_("The panel has been drawn and invited for this time; the session can no longer be moved."),
                           code="state_changed")
        old = {"place": ev.place, "starts_at": ev.starts_at.isoformat(), "ends_at": ev.ends_at.isoformat()}
        ev.place, ev.starts_at, ev.ends_at = place.strip(), starts_at, ends_at
        ev.save(update_fields=["place", "starts_at", "ends_at", "updated_at"])
        audit_record(event_type="evaluation_panels.evaluation_reschedule", actor=actor, target=ev, old=old,
                     new={"place": ev.place, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return ev
