"""The volunteer pool and the panels drawn from it (minsheng.draws: published seed, stratified)."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.draws.services import (
    draw_commit,
    draw_order,
    draw_publish_candidates,
    draw_reveal_and_run,
)

from .. import notices
from ..models import (
    Evaluation,
    EvaluationStatus,
    PanelSeat,
    Project,
    Rubric,
    SeatStatus,
    Volunteer,
)
from . import grading


def _county_of(region):
    from minsheng.regions.models import Region, RegionLevel

    if region is None:
        return None
    if region.level == RegionLevel.COUNTY:
        return region
    return Region.objects.filter(code=region.code[:6], level=RegionLevel.COUNTY).first()


def volunteer_enrol(
    *, person, actor, occupation: str = "", employer=None, conflict_organisations=(), conflict_note: str = "",
    residence_region=None, enrolled_by=None,
) -> Volunteer:
    """Add a real-name person to the panel pool (district from their residence, age from birth date).

    ``residence_region`` stands for the person's place of residence when the panel office enrols
    someone from a paper form (the person's record may have none); ``enrolled_by`` is that office's
    member. Either way, joining records the volunteer's consent (the pledge, on the page or on paper).
    """
    errors = {}
    if person.birth_date is None:
        errors["birth_date"] = [_("The person's date of birth is missing; complete their real-name details first.")]
    elif grading.age_on(person.birth_date, timezone.localdate()) < 18:
        errors["birth_date"] = [_("Panel members must be at least 18 years old.")]
    district = _county_of(residence_region or person.residence_region)
    if district is None:
        errors["residence_region"] = [_("The person's place of residence is missing; it decides their district.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        if Volunteer.objects.filter(person=person).exists():
            raise Conflict(_("This person is already in the panel pool."), code="duplicate")
        v = Volunteer.objects.create(
            person=person, number="", district=district, occupation=occupation, employer=employer,
            conflict_note=conflict_note, consent_at=timezone.now(), enrolled_by=enrolled_by,
        )
        v.number = f"V{v.pk:07d}"
        v.save(update_fields=["number"])
        v.conflict_organisations.set(conflict_organisations)
        audit_record(event_type="evaluation_panels.volunteer_enrol", actor=actor, target=v,
                     new={"district": district.pk, "by_office": enrolled_by is not None})
    return v


def volunteer_enrol_by_office(
    *, actor, name: str, phone: str, id_number: str, residence_region, occupation: str = "", consent: bool,
) -> Volunteer:
    """群众评议员登记 — the panel office enrols someone who signed up on a paper form at the
    community office: the ID number is checked by the platform's rules, the place of residence
    must lie in the office's area, and the signed consent is recorded.

    An account with the same mobile number (the citizen signed in once) is linked to the new
    real-name record, so the volunteer answers invitations and scores from it; someone without an
    account is linked later, when they register their real name with the same ID number."""
    from minsheng.identity.idnumbers import id_number_validate, phone_validate
    from minsheng.identity.services import (
        person_create,
        person_find_by_id_number,
        user_find_by_phone,
    )

    from ..selectors import setup_regions

    phone = phone_validate(phone) if (phone or "").strip() else ""  # as typed on the form: spaces, +86
    if not consent:
        raise ValidationFailed.for_field(
            "consent", _("Only enrol someone who has signed the consent and pledge form; tick the box once they have."))
    if residence_region is None or not setup_regions(user=actor).filter(pk=residence_region.pk).exists():
        raise NotAllowed(_("This place of residence is outside your area; the panel office there enrols this volunteer."),
                         fields={"residence_region": [_("Choose a place in your area.")]})
    parsed = id_number_validate(id_number)
    with transaction.atomic():
        person = person_find_by_id_number(parsed.number)
        if person is None:
            account = user_find_by_phone(phone) if phone else None
            if account is not None and (account.is_staff or hasattr(account, "person")):
                account = None
            person = person_create(name=name, id_number=parsed.number, phone=phone, residence_region=residence_region,
                                   actor=actor, user=account)
        elif person.name != (name or "").strip():
            raise Conflict(_("This ID number is registered under another name. Check the paper form and the ID card."),
                           fields={"id_number": [_("The name does not match this ID number.")]})
        return volunteer_enrol(person=person, actor=actor, occupation=(occupation or "").strip(),
                               residence_region=residence_region, enrolled_by=actor)


def volunteer_declare_conflicts(*, volunteer: Volunteer, actor, employer=None, organisations=(), note: str = "") -> Volunteer:
    with transaction.atomic():
        volunteer.employer = employer
        volunteer.conflict_note = note
        volunteer.save(update_fields=["employer", "conflict_note", "updated_at"])
        volunteer.conflict_organisations.set(organisations)
        audit_record(
            event_type="evaluation_panels.volunteer_conflicts", actor=actor, target=volunteer,
            new={"employer": getattr(employer, "pk", None), "organisations": [o.pk for o in organisations]},
        )
    return volunteer


def project_conflict_org_ids(project: Project) -> set[int]:
    """Organisations whose staff or business partners may not evaluate the project."""
    ids = {project.lead_unit_id}
    ids |= set(project.co_units.values_list("id", flat=True))
    ids |= set(project.contractors.values_list("id", flat=True))
    return ids


def volunteer_conflict(*, volunteer: Volunteer, project: Project, org_ids: set[int] | None = None) -> str:
    """Why the volunteer may not evaluate the project ("" when they may)."""
    org_ids = org_ids if org_ids is not None else project_conflict_org_ids(project)
    if volunteer.employer_id and (
        volunteer.employer_id in org_ids or getattr(volunteer.employer, "parent_id", None) in org_ids
    ):
        return _("works for a unit responsible for the project or for one of its contractors")
    if set(volunteer.conflict_organisations.values_list("id", flat=True)) & org_ids:
        return _("declared a link to a unit or contractor of the project")
    return ""


def eligible_volunteers(*, project: Project, today: date, exclude_ids=()) -> tuple[dict[str, list[str]], int]:
    """The draw's candidates by stratum ("district/age band") and how many were excluded for conflicts."""
    org_ids = project_conflict_org_ids(project)
    conflicted = set(
        Volunteer.objects.filter(employer_id__in=org_ids).values_list("id", flat=True)
    ) | set(Volunteer.objects.filter(employer__parent_id__in=org_ids).values_list("id", flat=True)) | set(
        Volunteer.objects.filter(conflict_organisations__in=org_ids).values_list("id", flat=True)
    )
    strata: dict[str, list[str]] = {}
    excluded = 0
    rows = Volunteer.objects.filter(is_active=True).exclude(id__in=list(exclude_ids)).values_list(
        "id", "number", "district_id", "person__birth_date"
    )
    for vid, number, district, birth in rows:
        if vid in conflicted:
            excluded += 1
            continue
        band = grading.age_band(birth, today)
        if band is None:
            continue
        strata.setdefault(f"{district}/{band}", []).append(number)
    return strata, excluded


def evaluation_create(
    *, project: Project, place: str, starts_at, ends_at, panel_size: int, actor, rubric: Rubric | None = None,
    quotas: dict[str, int] | None = None, quorum_fraction=None, satisfaction_formula: str | None = None,
    rectify_below=None, rectification=None,
) -> Evaluation:
    errors = {}
    if not (place or "").strip():
        errors["place"] = [_("Say where the panel meets on site.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The session must end after it starts.")]
    if panel_size < 3:
        errors["panel_size"] = [_("A panel needs at least 3 members.")]
    if quotas and sum(int(v) for v in quotas.values()) != panel_size:
        errors["quotas"] = [_("The quotas must add up to the panel size (%(n)s).") % {"n": panel_size}]
    rubric = rubric or Rubric.objects.filter(is_default=True).first()
    if rubric is None:
        errors["rubric"] = [_("Choose a scoring rubric (or mark one as the default).")]
    if errors:
        raise ValidationFailed(fields=errors)
    extra = {}
    if quorum_fraction is not None:
        extra["quorum_fraction"] = quorum_fraction
    if satisfaction_formula:
        extra["satisfaction_formula"] = satisfaction_formula
    if rectify_below is not None:
        extra["rectify_below"] = rectify_below
    with transaction.atomic():
        rnd = project.evaluations.count() + 1
        ev = Evaluation.objects.create(
            project=project, round=rnd, rubric=rubric, panel_size=panel_size, quotas=quotas or {},
            place=place.strip(), starts_at=starts_at, ends_at=ends_at, rectification=rectification, **extra,
        )
        audit_record(event_type="evaluation_panels.evaluation_create", actor=actor, target=ev)
    return ev


def evaluation_publish_candidates(*, evaluation: Evaluation, actor, seed: str | None = None) -> Evaluation:
    """Commit the seed (its hash is published) and publish the candidate list — conflicts excluded
    beforehand, earlier panels of the same project excluded from a re-evaluation."""
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update(of=("self",)).select_related("project").get(pk=evaluation.pk)
        if ev.status != EvaluationStatus.PLANNED:
            raise Conflict(_("The candidates of this panel draw are already published."), code="state_changed")
        earlier = PanelSeat.objects.filter(evaluation__project=ev.project).exclude(evaluation=ev)
        strata, excluded = eligible_volunteers(
            project=ev.project, today=timezone.localdate(), exclude_ids=earlier.values_list("volunteer_id", flat=True)
        )
        if ev.quotas:
            quotas = {k: int(v) for k, v in ev.quotas.items()}
            short = [s for s, n in quotas.items() if len(strata.get(s, [])) < n]
            if short:
                raise ValidationFailed.for_field(
                    "quotas",
                    _("Not enough eligible volunteers in %(strata)s for the quotas. Lower those quotas or enrol more volunteers.")
                    % {"strata": ", ".join(sorted(short))},
                )
        else:
            quotas = grading.proportional_quotas({s: len(ids) for s, ids in strata.items()}, ev.panel_size)
        if sum(quotas.values()) < ev.panel_size:
            raise ValidationFailed.for_field(
                "panel_size",
                _("Only %(n)s eligible volunteers are in the pool for a panel of %(size)s. Enrol more volunteers or draw a smaller panel.")
                % {"n": sum(len(v) for v in strata.values()), "size": ev.panel_size},
            )
        with translation.override(settings.LANGUAGE_CODE):  # stored once, shown to everyone
            purpose = _("Evaluation panel for %(project)s") % {"project": ev.project.title}
        draw, _seed = draw_commit(
            purpose=purpose, key=ev.draw_key,
            seed=seed, actor=actor,
        )
        draw = draw_publish_candidates(draw=draw, strata=strata, quotas=quotas, actor=actor)
        ev.draw = draw
        ev.quotas = quotas
        ev.excluded_count = excluded
        ev.status = EvaluationStatus.CANDIDATES
        ev.save(update_fields=["draw", "quotas", "excluded_count", "status", "updated_at"])
        audit_record(
            event_type="evaluation_panels.panel_candidates", actor=actor, target=ev,
            new={"excluded_for_conflicts": excluded, "quotas": quotas, "candidates_hash": draw.candidates_hash},
        )
    return ev


def _invite(seat: PanelSeat) -> None:
    from minsheng.notifications.services import notification_send

    ev = seat.evaluation
    notification_send(
        recipient=seat.volunteer.person, template=notices.INVITATION,
        context={
            "project": ev.project.title, "place": ev.place,
            "starts_at": timezone.localtime(ev.starts_at).strftime("%Y-%m-%d %H:%M"),
        },
        dedupe_key=f"ep-invite-{seat.pk}",
    )


def evaluation_run_draw(*, evaluation: Evaluation, actor, seed: str | None = None) -> list[PanelSeat]:
    """Reveal the seed, run the stratified draw, seat the panel and invite its members."""
    ev = Evaluation.objects.select_related("draw", "project").get(pk=evaluation.pk)
    if ev.status != EvaluationStatus.CANDIDATES:
        raise Conflict(_("Publish the candidates before running the draw."), code="state_changed")
    with transaction.atomic():
        result = draw_reveal_and_run(draw=ev.draw, seed=seed, actor=actor)
        ev.draw.refresh_from_db()
        from minsheng.draws.algorithm import parse_canonical

        _ids, strata = parse_canonical(ev.draw.candidates_text)
        order = {s: draw_order(ev.draw.seed, ids) for s, ids in (strata or {}).items()}
        by_number = {v.number: v for v in Volunteer.objects.filter(number__in=[n for ids in result.values() for n in ids])}
        now = timezone.now()
        seats = [
            PanelSeat(evaluation=ev, volunteer=by_number[n], stratum=s, position=i, invited_at=now)
            for s, ids in result.items()
            for i, n in enumerate(ids)
        ]
        PanelSeat.objects.bulk_create(seats)
        ev.draw_order = order
        ev.status = EvaluationStatus.DRAWN
        ev.save(update_fields=["draw_order", "status", "updated_at"])
        audit_record(event_type="evaluation_panels.panel_drawn", actor=actor, target=ev, new={"seats": len(seats)})
        seats = list(ev.seats.select_related("volunteer__person", "evaluation__project"))
        for seat in seats:
            _invite(seat)
    return seats


def seat_respond(*, seat: PanelSeat, user, accept: bool) -> PanelSeat:
    """The member accepts or declines; a decline draws the replacement at once."""
    if seat.volunteer.person.user_id != user.pk:
        raise NotAllowed(_("This invitation is addressed to someone else."))
    with transaction.atomic():
        seat = PanelSeat.objects.select_for_update().get(pk=seat.pk)
        if seat.status != SeatStatus.INVITED:
            raise Conflict(_("You have already answered this invitation."), code="state_changed")
        if seat.evaluation.status not in (EvaluationStatus.DRAWN, EvaluationStatus.OPEN):
            raise Conflict(_("This evaluation is over; the invitation can no longer be answered."), code="state_changed")
        seat.status = SeatStatus.ACCEPTED if accept else SeatStatus.DECLINED
        seat.responded_at = timezone.now()
        seat.save(update_fields=["status", "responded_at"])
        audit_record(event_type="evaluation_panels.seat_respond", actor=user, target=seat.evaluation, new={"accept": accept})
        if not accept:
            seat_replace(seat=seat, actor=user)
    return seat


def seat_replace(*, seat: PanelSeat, actor) -> PanelSeat | None:
    """Seat the next volunteer in the published order of the same stratum (None when it is exhausted).

    Someone who has since declared a conflict with the project is passed over.
    """
    with transaction.atomic():
        ev = Evaluation.objects.select_for_update(of=("self",)).select_related("project").get(pk=seat.evaluation_id)
        seat = PanelSeat.objects.select_for_update().get(pk=seat.pk)
        if seat.status == SeatStatus.REPLACED or PanelSeat.objects.filter(replaces=seat).exists():
            raise Conflict(_("This seat has already been replaced."), code="state_changed")
        if seat.status not in (SeatStatus.DECLINED, SeatStatus.INVITED):
            raise Conflict(_("Only a seat that was declined or not answered can be replaced."), code="state_changed")
        if ev.status not in (EvaluationStatus.DRAWN, EvaluationStatus.OPEN):
            raise Conflict(_("This evaluation is over; its panel can no longer change."), code="state_changed")
        order = ev.draw_order.get(seat.stratum, [])
        taken = set(ev.seats.values_list("volunteer__number", flat=True))
        start = max(ev.seats.filter(stratum=seat.stratum).values_list("position", flat=True), default=-1) + 1
        org_ids = project_conflict_org_ids(ev.project)
        new = None
        for pos in range(start, len(order)):
            number = order[pos]
            if number in taken:
                continue
            v = Volunteer.objects.select_related("employer").filter(number=number, is_active=True).first()
            if v is None or volunteer_conflict(volunteer=v, project=ev.project, org_ids=org_ids):
                continue
            new = PanelSeat.objects.create(
                evaluation=ev, volunteer=v, stratum=seat.stratum, position=pos, replaces=seat, invited_at=timezone.now()
            )
            break
        if seat.status == SeatStatus.INVITED:  # a declined seat keeps saying so
            seat.status = SeatStatus.REPLACED
            seat.save(update_fields=["status"])
        audit_record(
            event_type="evaluation_panels.seat_replace", actor=actor, target=ev,
            new={"stratum": seat.stratum, "replacement": new.volunteer.number if new else None},
        )
        if new is not None:
            _invite(new)
    return new
