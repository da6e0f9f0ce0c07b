"""The program's set-up by the education bureau and the schools: terms, the city-wide or area
application windows' dates and rules, fee-waiver rules, and a school recording that a student's
family is waived (低保, 特困 …). Each write checks who may make it and is audited in its
transaction; the pages (views/setup.py) and /admin/ call these.

Who may do what (``selectors.setup``): terms and fee-waiver rules are city-wide, so only an
education supervisor of the whole city changes them; an area window is changed by an education
supervisor whose region contains it, a school's own window by its school; a school records
waivers for its own students only.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, ValidationFailed

from ..models import (
    ACTIVE_STATES,
    Application,
    ApplicationWindow,
    Enrolment,
    FamilyCategory,
    FeeWaiverRule,
    LotteryState,
    Term,
)
from ..selectors.setup import can_manage_city
from .applications import fee_after_waiver, waiver_percent_for


def _city_only(actor) -> None:
    if not can_manage_city(user=actor):
        raise NotAllowed(_("Only the education bureau's city-wide programme manager changes terms and "
                           "fee-waiver rules. Ask them, or your administrator, for this change."))


def _term_checked(*, name: str, school_year: int, starts_on: date, ends_on: date) -> str:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the term a name, for example 2026–2027学年第一学期.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The term must end on or after the day it starts.")]
    if not (2000 <= school_year <= 2100):
        errors["school_year"] = [_("Give the school year as the year it starts, for example 2026.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return name[:50]


@transaction.atomic
def term_create(*, actor, name: str, school_year: int, starts_on: date, ends_on: date) -> Term:
    """学期 — a new term (city-wide); its windows and offerings are set up after it."""
    _city_only(actor)
    name = _term_checked(name=name, school_year=school_year, starts_on=starts_on, ends_on=ends_on)
    term = Term.objects.create(name=name, school_year=school_year, starts_on=starts_on, ends_on=ends_on)
    audit_record(event_type="after_school.term_create", actor=actor, target=term,
                 new={"name": name, "school_year": school_year, "starts_on": starts_on.isoformat(),
                      "ends_on": ends_on.isoformat()})
    return term


@transaction.atomic
def term_update(*, actor, term: Term, name: str, school_year: int, starts_on: date, ends_on: date) -> Term:
    """Change a term's name or dates. Its school year stays once applications were made for it
    (they were checked against that year's rolls)."""
    _city_only(actor)
    name = _term_checked(name=name, school_year=school_year, starts_on=starts_on, ends_on=ends_on)
    term = Term.objects.select_for_update().get(pk=term.pk)
    if school_year != term.school_year and Application.objects.filter(offering__term=term).exists():
        raise ValidationFailed.for_field("school_year", _(
            "Families have applied in this term already, against the rolls of its school year; "
            "the school year can no longer change."))
    old = {"name": term.name, "school_year": term.school_year, "starts_on": term.starts_on.isoformat(),
           "ends_on": term.ends_on.isoformat()}
    term.name, term.school_year, term.starts_on, term.ends_on = name, school_year, starts_on, ends_on
    term.save(update_fields=["name", "school_year", "starts_on", "ends_on"])
    new = {"name": name, "school_year": school_year, "starts_on": starts_on.isoformat(),
           "ends_on": ends_on.isoformat()}
    audit_record(event_type="after_school.term_update", actor=actor, target=term,
                 old={k: v for k, v in old.items() if new[k] != v},
                 new={k: v for k, v in new.items() if old[k] != v})
    return term


WINDOW_RULES = ("opens_at", "closes_at", "accept_days", "lower_grades_first", "dual_working_first",
                "keep_siblings_together")


@transaction.atomic
def window_update(*, actor, window: ApplicationWindow, opens_at: datetime, closes_at: datetime,
                  accept_days: int, lower_grades_first: bool, dual_working_first: bool,
                  keep_siblings_together: bool) -> ApplicationWindow:
    """Change a window's dates and lottery rules — until its lottery starts (the committed seed
    stays: the draw is fixed by it and the applicants, not by the dates). ``window`` comes from
    ``windows_managed_by`` (the caller's scope)."""
    window = ApplicationWindow.objects.select_for_update().get(pk=window.pk)
    if window.lottery_state not in (LotteryState.NONE, LotteryState.COMMITTED):
        raise Conflict(_("The lottery of this window has started; its dates and rules can no longer change."),
                       code=ErrorCode.STATE_CHANGED)
    if closes_at <= opens_at:
        raise ValidationFailed.for_field("closes_at", _("The window must close after it opens."))
    if not (1 <= accept_days <= 14):
        raise ValidationFailed.for_field("accept_days", _("Give between 1 and 14 days to accept an offered place."))
    values = {"opens_at": opens_at, "closes_at": closes_at, "accept_days": accept_days,
              "lower_grades_first": lower_grades_first, "dual_working_first": dual_working_first,
              "keep_siblings_together": keep_siblings_together}
    changed = [k for k in WINDOW_RULES if getattr(window, k) != values[k]]
    if not changed:
        return window

    def shown(v):
        return v.isoformat() if isinstance(v, datetime) else v

    old = {k: shown(getattr(window, k)) for k in changed}
    for k in changed:
        setattr(window, k, values[k])
    window.save(update_fields=[*changed, "updated_at"])
    audit_record(event_type="after_school.window_update", actor=actor, target=window, old=old,
                 new={k: shown(values[k]) for k in changed})
    return window


@transaction.atomic
def waiver_rule_save(*, actor, category: str, term: Term | None, waiver_percent: int) -> FeeWaiverRule:
    """减免规则 — the share of the fee waived for a family category, for one term or every term
    (one rule per category and term: saving again changes it). Applies to applications made from
    now on; a school's recorded waiver (``enrolment_waiver_record``) re-prices its student's."""
    _city_only(actor)
    if category not in FamilyCategory.values or not category:
        raise ValidationFailed.for_field("category", _("Choose the family category the waiver is for."))
    if not (0 <= waiver_percent <= 100):
        raise ValidationFailed.for_field("waiver_percent", _("The waiver is a share from 0 to 100 per cent."))
    rule = FeeWaiverRule.objects.select_for_update().filter(category=category, term=term).first()
    old = None if rule is None else {"waiver_percent": rule.waiver_percent}
    if rule is None:
        rule = FeeWaiverRule.objects.create(category=category, term=term, waiver_percent=waiver_percent)
    else:
        rule.waiver_percent = waiver_percent
        rule.save(update_fields=["waiver_percent"])
    audit_record(event_type="after_school.waiver_rule_" + ("create" if old is None else "update"), actor=actor,
                 target=rule, old=old,
                 new={"category": category, "term": term.pk if term else None, "waiver_percent": waiver_percent})
    return rule


@transaction.atomic
def waiver_rule_delete(*, actor, rule: FeeWaiverRule) -> None:
    _city_only(actor)
    audit_record(event_type="after_school.waiver_rule_delete", actor=actor, target=rule,
                 old={"category": rule.category, "term": rule.term_id, "waiver_percent": rule.waiver_percent})
    rule.delete()


@transaction.atomic
def enrolment_waiver_record(*, actor, enrolment: Enrolment, category: str, evidence: str) -> Enrolment:
    """A school records (or clears, ``category=""``) the family category that waives a student's
    fee, with the evidence seen (e.g. the 低保 certificate number). The student's active
    applications of that school year are re-priced by the city's rules in the same transaction.
    ``enrolment`` comes from ``enrolment_get_for`` (the caller's own schools)."""
    if category not in FamilyCategory.values:
        raise ValidationFailed.for_field("category", _("Choose the family's category, or none."))
    evidence = (evidence or "").strip()[:200]
    if category and not evidence:
        raise ValidationFailed.for_field("evidence", _(
            "Say what proves the category, for example the certificate's number and issuing office."))
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    old = enrolment.family_category
    enrolment.family_category = category
    enrolment.save(update_fields=["family_category"])
    repriced = 0
    apps = (Application.objects.select_for_update()
            .filter(student_id=enrolment.student_id, state__in=ACTIVE_STATES,
                    offering__term__school_year=enrolment.school_year)
            .select_related("offering__term"))
    for app in apps:
        waiver = waiver_percent_for(category=category, term=app.offering.term)
        fee = fee_after_waiver(fee=app.offering.fee, waiver=waiver)
        if (waiver, fee) != (app.waiver_percent, app.fee_due):
            app.waiver_percent, app.fee_due = waiver, fee
            app.save(update_fields=["waiver_percent", "fee_due", "updated_at"])
            repriced += 1
    audit_record(event_type="after_school.waiver_record", actor=actor, target=enrolment,
                 target_label=str(enrolment.student.name), old={"family_category": old},
                 new={"family_category": category, "evidence": evidence, "applications_repriced": repriced})
    return enrolment


