"""Entitlements: the rules (edited with a preview of who gains or loses), the monthly
service entitlement of every active elder applied in bulk, and cash allowances."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from ..models import (
    AllowanceKind,
    CashAllowance,
    Elder,
    ElderStatus,
    EntitlementRule,
    EntitlementRun,
    ServiceEntitlement,
)
from .elders import VALID_CATEGORIES
from .periods import month_end, month_start


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
