"""Elder registry, ability assessments, entitlements, allowances and applications."""

import calendar
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.identity.models import Person

from .. import assessment as gb
from ..catalogue import ElderCategory
from ..models import (
    AbilityAssessment,
    AllowanceKind,
    CareApplication,
    CashAllowance,
    Elder,
    ElderStatus,
    EntitlementRule,
    EntitlementRun,
    LivingArrangement,
    ServiceEntitlement,
)

VALID_CATEGORIES = set(ElderCategory.values)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _check_categories(categories: Iterable[str]) -> list[str]:
    categories = list(dict.fromkeys(categories))
    bad = [c for c in categories if c not in VALID_CATEGORIES]
    if bad:
        raise ValidationFailed.for_field(
            "categories",
            _("Choose categories from the list; %(bad)s is not one.") % {"bad": bad[0]},
        )
    return categories


def elder_register(
    *,
    person: Person,
    categories: Iterable[str],
    living_arrangement: str = LivingArrangement.SPOUSE,
    household: str = "",
    actor=None,
    region=None,
) -> Elder:
    """Register ``person`` for home care (or update the registration), address from the person."""
    categories = _check_categories(categories)
    if living_arrangement not in LivingArrangement.values:
        raise ValidationFailed.for_field("living_arrangement", _("Choose a living arrangement."))
    region = region or person.residence_region
    if region is None:
        raise ValidationFailed.for_field(
            "region", _("Record where the elder lives (community) before registering them.")
        )
    with transaction.atomic():
        elder, created = Elder.objects.update_or_create(
            person=person,
            defaults={
                "region": region,
                "categories": categories,
                "living_arrangement": living_arrangement,
                "household": household or f"H{person.pk:010d}",
                "address": person.address,
                "latitude": person.latitude,
                "longitude": person.longitude,
            },
        )
        if created:
            elder.enrolled_on = timezone.localdate()
            elder.save(update_fields=["enrolled_on"])
        audit_record(
            event_type="elderly_care.elder_register" if created else "elderly_care.elder_update",
            actor=actor,
            target=elder,
            new={"categories": categories, "living_arrangement": living_arrangement},
        )
    return elder


def assessment_record(
    *,
    elder: Elder,
    items: dict,
    reason: str,
    assessed_on: date,
    diagnosis: str = gb.MentalDiagnosis.NONE,
    risk_events_30d: int = 0,
    assessor=None,
    notes: str = "",
) -> AbilityAssessment:
    """Score the 26-item form, store it and set the elder's current ability level."""
    errors = gb.validate_items(items)
    if reason not in gb.AssessmentReason.values:
        errors["reason"] = _("Choose why this assessment is made.")
    if diagnosis not in gb.MentalDiagnosis.values:
        errors["diagnosis"] = _("Choose a diagnosis from the list.")
    if risk_events_30d < 0:
        errors["risk_events_30d"] = _("Enter the number of events (0 or more).")
    if reason == gb.AssessmentReason.FIRST and elder.assessments.exists():
        errors["reason"] = _(
            "This elder has been assessed before; choose routine, ad hoc or dispute reassessment."
        )
    if errors:
        raise ValidationFailed(fields={k: [v] for k, v in errors.items()})
    clean = {i.code: int(items[i.code]) for i in gb.ITEMS}
    result = gb.score(clean, diagnosis=diagnosis, risk_events_30d=risk_events_30d)
    with transaction.atomic():
        record = AbilityAssessment.objects.create(
            elder=elder,
            assessed_on=assessed_on,
            reason=reason,
            assessor=assessor if getattr(assessor, "pk", None) else None,
            items=clean,
            diagnosis=diagnosis,
            risk_events_30d=risk_events_30d,
            total=result["total"],
            base_level=result["base_level"],
            level=result["level"],
            adjustments=result["adjustments"],
            notes=notes,
        )
        latest = elder.assessments.order_by("-assessed_on", "-id").first()
        if latest.pk == record.pk:
            old = elder.ability_level
            elder.ability_level = record.level
            elder.save(update_fields=["ability_level", "updated_at"])
        else:
            old = elder.ability_level
        audit_record(
            event_type="elderly_care.assessment",
            actor=assessor,
            target=elder,
            old={"level": old},
            new={"level": record.level, "total": record.total, "reason": reason},
        )
    return record


# --- entitlements ---------------------------------------------------------


def rules_in_force(*, month: date) -> list[EntitlementRule]:
    first, last = month_start(month), month_end(month)
    return list(
        EntitlementRule.objects.filter(effective_from__lte=last).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=first)
        )
    )


def entitlement_for(
    *, categories: Iterable[str], level: int | None, rules: list[EntitlementRule]
) -> EntitlementRule | None:
    """The rule that applies: highest priority, then the largest amount; None when none does."""
    cats = set(categories)
    lvl = 0 if level is None else level
    matching = [r for r in rules if r.category in cats and r.min_level <= lvl <= r.max_level]
    if not matching:
        return None
    return max(matching, key=lambda r: (r.priority, r.unit == "yuan", r.amount, -r.pk))


def _compute(*, rules, month: date) -> tuple[dict, dict]:
    """(wanted, current): elder id -> (rule id, unit, amount) for the month."""
    month = month_start(month)
    rules = list(rules) if rules is not None else rules_in_force(month=month)
    wanted = {}
    rows = Elder.objects.filter(status=ElderStatus.ACTIVE).values_list(
        "id", "categories", "ability_level"
    )
    for elder_id, cats, level in rows.iterator(chunk_size=5000):
        rule = entitlement_for(categories=cats or [], level=level, rules=rules)
        if rule is not None:
            wanted[elder_id] = (rule.pk, rule.unit, Decimal(rule.amount))
    current = {
        e: (r, u, Decimal(a))
        for e, r, u, a in ServiceEntitlement.objects.filter(month=month).values_list(
            "elder_id", "rule_id", "unit", "amount"
        )
    }
    return wanted, current


def entitlements_preview(*, rules=None, month: date, sample: int = 50) -> dict:
    """Who gains, loses or changes entitlement for ``month`` if ``rules`` (default: those in force) apply."""
    wanted, current = _compute(rules=rules, month=month)
    gained = [e for e in wanted if e not in current]
    lost = [e for e in current if e not in wanted]
    changed = [e for e in wanted if e in current and wanted[e][1:] != current[e][1:]]
    unchanged = len(wanted) - len(gained) - len(changed)
    names = dict(
        Elder.objects.filter(
            pk__in=(gained[:sample] + lost[:sample] + changed[:sample])
        ).values_list("pk", "person__name")
    )

    def rows(ids, with_new=True, with_old=True):
        return [
            {
                "elder_id": e,
                "name": names.get(e, ""),
                "old": current.get(e, (None, "", None))[1:] if with_old else None,
                "new": wanted.get(e, (None, "", None))[1:] if with_new else None,
            }
            for e in ids[:sample]
        ]

    return {
        "month": month_start(month),
        "counts": {
            "gained": len(gained),
            "lost": len(lost),
            "changed": len(changed),
            "unchanged": unchanged,
        },
        "gained": rows(gained, with_old=False),
        "lost": rows(lost, with_new=False),
        "changed": rows(changed),
    }


def entitlements_apply(
    *, month: date, actor=None, run: EntitlementRun | None = None
) -> EntitlementRun:
    """Apply the rules in force to every active elder for ``month``, in bulk. Idempotent."""
    month = month_start(month)
    wanted, current = _compute(rules=None, month=month)
    gained = [e for e in wanted if e not in current]
    lost = [e for e in current if e not in wanted]
    changed = [e for e in wanted if e in current and wanted[e] != current[e]]
    with transaction.atomic():
        ServiceEntitlement.objects.filter(month=month, elder_id__in=lost).delete()
        for i in range(0, len(changed), 2000):
            chunk = changed[i : i + 2000]
            objs = list(ServiceEntitlement.objects.filter(month=month, elder_id__in=chunk))
            for obj in objs:
                obj.rule_id, obj.unit, obj.amount = wanted[obj.elder_id]
            ServiceEntitlement.objects.bulk_update(objs, ["rule", "unit", "amount"])
        ServiceEntitlement.objects.bulk_create(
            [
                ServiceEntitlement(
                    elder_id=e,
                    month=month,
                    rule_id=wanted[e][0],
                    unit=wanted[e][1],
                    amount=wanted[e][2],
                )
                for e in gained
            ],
            batch_size=5000,
        )
        run = run or EntitlementRun(month=month, requested_by=actor)
        run.gained, run.lost, run.changed = len(gained), len(lost), len(changed)
        run.unchanged = len(wanted) - len(gained) - len(changed)
        run.status, run.finished_at = "done", timezone.now()
        run.save()
        audit_record(
            event_type="elderly_care.entitlements_apply",
            actor=actor,
            target=run,
            new={
                "month": str(month),
                "gained": run.gained,
                "lost": run.lost,
                "changed": run.changed,
            },
        )
    return run


def entitlement_run_start(*, month: date, actor) -> EntitlementRun:
    """Queue a bulk application (background task); the run row shows progress and the result."""
    from ..tasks import entitlements_apply_task

    month = month_start(month)
    if EntitlementRun.objects.filter(month=month, status="queued").exists():
        raise Conflict(
            _("Entitlements for this month are already being applied. Wait for that run to finish.")
        )
    run = EntitlementRun.objects.create(month=month, requested_by=actor)
    transaction.on_commit(lambda: entitlements_apply_task.enqueue(run.pk))
    return run


def allowance_grant(
    *, elder: Elder, kind: str, month: date, amount: Decimal, actor=None
) -> CashAllowance:
    """A cash allowance (高龄津贴 / 护理补贴) for one month; never a second one of a kind."""
    if kind not in AllowanceKind.values:
        raise ValidationFailed.for_field("kind", _("Choose the kind of allowance."))
    if amount <= 0:
        raise ValidationFailed.for_field("amount", _("Enter an amount greater than zero."))
    month = month_start(month)
    with transaction.atomic():
        allowance, created = CashAllowance.objects.get_or_create(
            elder=elder, kind=kind, month=month, defaults={"amount": amount}
        )
        if not created:
            raise Conflict(_("This allowance has already been granted for that month."))
        audit_record(
            event_type="elderly_care.allowance",
            actor=actor,
            target=elder,
            new={"kind": kind, "month": str(month), "amount": str(amount)},
        )
    return allowance


# --- applications (cases process "elderly_care_application") -------------------


def application_submit(
    *,
    person: Person,
    submitted_by,
    categories: Iterable[str],
    living_arrangement: str,
    reason: str = "",
    on_behalf: bool = False,
) -> CareApplication:
    """An application by the elder, family (online) or a community worker (帮办代办).

    Opens a case (applicant: whoever submits; subject: the elder) and sends it straight to
    civil affairs, which gets a review task with an SLA in working days."""
    from minsheng.cases.services import case_act, case_open

    from ..processes import APPLICATION

    categories = _check_categories(categories)
    if not categories:
        raise ValidationFailed.for_field(
            "categories", _("Tick at least one category that applies to the elder.")
        )
    if living_arrangement not in LivingArrangement.values:
        raise ValidationFailed.for_field("living_arrangement", _("Choose a living arrangement."))
    if person.residence_region_id is None:
        raise ValidationFailed.for_field(
            "region",
            _(
                "The elder's place of residence is not recorded. Ask the community office to add it."
            ),
        )
    with transaction.atomic():
        # one open application per person: serialise on the person row
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if CareApplication.objects.filter(person=person, case__closed_at__isnull=True).exists():
            raise Conflict(
                _(
                    "An application for this person is already being processed. You will be told the result."
                ),
                code="duplicate",
            )
        case = case_open(
            process_key=APPLICATION,
            applicant=submitted_by,
            region=person.residence_region,
            subject=person,
            payload={
                "categories": categories,
                "living_arrangement": living_arrangement,
                "reason": reason,
                "on_behalf": on_behalf,
            },
        )
        app = CareApplication.objects.create(
            person=person,
            region_id=person.residence_region_id,
            submitted_by=submitted_by,
            on_behalf=on_behalf,
            categories=categories,
            living_arrangement=living_arrangement,
            reason=reason,
            case=case,
        )
        audit_record(
            event_type="elderly_care.application_submit",
            actor=submitted_by,
            target=app,
            new={"on_behalf": on_behalf, "categories": categories, "case": case.reference},
        )
        case_act(case=case, action="submit", actor=submitted_by)
    app.case.refresh_from_db()
    return app


def on_review_complete(*, case, task, actor, outcome, data, comment, now) -> dict | None:
    """The civil-affairs review task finished (on any page, or deemed): approve or reject.

    Runs inside the engine's transaction; approval registers the elder for home care.
    The elder (and whoever applied for them) is told the result."""
    from .. import notices

    app = CareApplication.objects.select_related("person", "region").get(case=case)
    approve = outcome == "done"
    if approve:
        elder_register(
            person=app.person,
            categories=app.categories,
            living_arrangement=app.living_arrangement,
            actor=actor,
            region=app.region,
        )
    audit_record(
        event_type="elderly_care.application_decide",
        actor=actor,
        target=app,
        new={"approved": approve, "case": case.reference},
    )
    notices.send(
        recipient=app.person,
        template="elderly_care.application_decided",
        context={
            "elder": app.person.name,
            "result": "已批准" if approve else "未获批准",
            "note": comment or "",
        },
        dedupe_key=f"ec-app-{app.pk}-decided",
    )
    return {**(data or {}), "approved": approve}


def application_decide(
    *, application: CareApplication, actor, approve: bool, note: str = ""
) -> CareApplication:
    """Decide through the case workflow: complete the open civil-affairs review task."""
    from minsheng.cases.models import OPEN_TASK_STATES
    from minsheng.cases.services import task_complete

    from ..processes import CIVIL_AFFAIRS

    if not approve and not note.strip():
        raise ValidationFailed.for_field(
            "note", _("Give the reason for rejecting the application.")
        )
    task = (
        application.case.tasks.filter(department_code=CIVIL_AFFAIRS, state__in=OPEN_TASK_STATES)
        .order_by("-round")
        .first()
        if application.case_id
        else None
    )
    if task is None:
        raise Conflict(_("This application has already been decided."), code="state_changed")
    task_complete(
        task=task,
        actor=actor,
        outcome="done" if approve else "rejected",
        comment=note,
    )
    application.case.refresh_from_db()
    return application


# --- entitlement rules (edited with a preview) -------------------------------------------------

RULE_FIELDS = (
    "name",
    "category",
    "min_level",
    "max_level",
    "unit",
    "amount",
    "effective_from",
    "effective_to",
    "priority",
)


def rule_clean(*, data: dict, rule: EntitlementRule | None = None) -> EntitlementRule:
    """An unsaved rule from form data (``rule`` edited in memory), or ValidationFailed per field."""
    errors: dict[str, list[str]] = {}
    rule = EntitlementRule(pk=rule.pk, created_at=rule.created_at) if rule else EntitlementRule()
    rule.name = (data.get("name") or "").strip()
    if not rule.name:
        errors["name"] = [_("Give the rule a name.")]
    rule.category = data.get("category") or ""
    if rule.category not in VALID_CATEGORIES:
        errors["category"] = [_("Choose a category.")]
    try:
        rule.min_level, rule.max_level = int(data.get("min_level")), int(data.get("max_level"))
        if not 0 <= rule.min_level <= rule.max_level <= 4:
            raise ValueError
    except (TypeError, ValueError):
        errors["max_level"] = [
            _("Choose ability levels from 0 to 4, the lowest not above the highest.")
        ]
    rule.unit = data.get("unit") or ""
    if rule.unit not in ("hours", "yuan"):
        errors["unit"] = [_("Choose hours or yuan per month.")]
    try:
        rule.amount = Decimal(str(data.get("amount", "")).strip())
        if not Decimal(0) < rule.amount < Decimal(100000):
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["amount"] = [_("Enter a monthly amount greater than zero.")]
    try:
        rule.effective_from = date.fromisoformat(str(data.get("effective_from", "")))
    except ValueError:
        errors["effective_from"] = [_("Enter the date the rule takes effect (YYYY-MM-DD).")]
    to = str(data.get("effective_to") or "").strip()
    try:
        rule.effective_to = date.fromisoformat(to) if to else None
    except ValueError:
        errors["effective_to"] = [
            _("Enter the last day of the rule (YYYY-MM-DD) or leave it empty.")
        ]
    if rule.effective_to and rule.effective_from and not errors.get("effective_from"):
        if rule.effective_to < rule.effective_from:
            errors["effective_to"] = [_("The end date cannot be before the start date.")]
    try:
        rule.priority = int(data.get("priority") or 0)
        if not 0 <= rule.priority <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        errors["priority"] = [_("Enter a priority from 0 to 1000.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return rule


def rule_preview(*, rule: EntitlementRule, month: date, sample: int = 50) -> dict:
    """Who would gain, lose or change entitlement for ``month`` if ``rule`` were saved as given."""
    rules = [r for r in rules_in_force(month=month) if r.pk != rule.pk]
    first, last = month_start(month), month_end(month)
    if rule.effective_from <= last and (rule.effective_to is None or rule.effective_to >= first):
        if rule.pk is None:
            rule.pk = 0  # placeholder id for the tie-break; never saved with it
            try:
                return entitlements_preview(rules=[*rules, rule], month=month, sample=sample)
            finally:
                rule.pk = None
        rules.append(rule)
    return entitlements_preview(rules=rules, month=month, sample=sample)


def rule_save(
    *, data: dict, actor, rule: EntitlementRule | None = None, month: date
) -> tuple[EntitlementRule, EntitlementRun]:
    """Save the rule and re-apply the rules to ``month`` in the background (the run shows the result)."""
    clean = rule_clean(data=data, rule=rule)
    with transaction.atomic():
        old = {f: str(getattr(rule, f)) for f in RULE_FIELDS} if rule else None
        clean.save()
        audit_record(
            event_type="elderly_care.rule_save",
            actor=actor,
            target=clean,
            old=old,
            new={f: str(getattr(clean, f)) for f in RULE_FIELDS},
        )
        run = entitlement_run_start(month=month, actor=actor)
    return clean, run
