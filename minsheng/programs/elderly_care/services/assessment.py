"""老年人能力评估 — GB/T 42195-2022 scoring, and recording an assessment.

26 second-level items in 4 domains, 90 points in all (the form is declared in
catalogue.py). A higher score means more ability. The level follows from the total,
then the standard's adjustments: coma (意识水平 0) → level 4; a diagnosed dementia
(F00–F03) or another mental or behavioural disorder (F04–F99) → one level higher; two
or more care-risk events (falls, wandering, choking, self-harm) in the last 30 days →
one level higher; never above 4. The scoring functions are pure (no database).
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import ValidationFailed

from ..catalogue import (
    ASSESSMENT_DOMAINS,
    ASSESSMENT_ITEM_BY_CODE,
    ASSESSMENT_ITEMS,
    ASSESSMENT_MAX_TOTAL,
    COMA_CODE,
    AbilityLevel,
    AssessmentReason,
    MentalDiagnosis,
)
from ..models import AbilityAssessment, Elder


def domain_scores(items: dict[str, int]) -> dict[str, int]:
    scores = dict.fromkeys(ASSESSMENT_DOMAINS, 0)
    for item in ASSESSMENT_ITEMS:
        scores[item.domain] += int(items.get(item.code, 0))
    return scores


def validate_items(items: dict) -> dict[str, str]:
    """Per-item error messages (empty when every one of the 26 items is a score in range)."""
    errors: dict[str, str] = {}
    for item in ASSESSMENT_ITEMS:
        value = items.get(item.code)
        if value is None or value == "":
            errors[item.code] = str(_("Score this item."))
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= item.maximum:
            errors[item.code] = str(
                _("Enter a whole number from 0 to %(max)d.") % {"max": item.maximum}
            )
    for code in items:
        if code not in ASSESSMENT_ITEM_BY_CODE:
            errors[code] = str(_("This is not an item of the assessment form."))
    return errors


def total_score(items: dict[str, int]) -> int:
    return sum(int(items[i.code]) for i in ASSESSMENT_ITEMS)


def level_for_score(total: int) -> int:
    if not 0 <= total <= ASSESSMENT_MAX_TOTAL:
        raise ValueError(f"total {total} outside 0..{ASSESSMENT_MAX_TOTAL}")
    if total == ASSESSMENT_MAX_TOTAL:
        return AbilityLevel.INTACT
    if total >= 66:
        return AbilityLevel.MILD
    if total >= 46:
        return AbilityLevel.MODERATE
    if total >= 30:
        return AbilityLevel.SEVERE
    return AbilityLevel.TOTAL


def adjusted_level(
    *, total: int, coma: bool, diagnosis: str = MentalDiagnosis.NONE, risk_events_30d: int = 0
) -> tuple[int, list[str]]:
    """The final level and the adjustments applied (codes: coma, diagnosis, risk_events)."""
    level = level_for_score(total)
    if coma:
        return AbilityLevel.TOTAL, ["coma"]
    applied = []
    if diagnosis in (MentalDiagnosis.DEMENTIA, MentalDiagnosis.OTHER):
        level += 1
        applied.append("diagnosis")
    if risk_events_30d >= 2:
        level += 1
        applied.append("risk_events")
    return min(level, AbilityLevel.TOTAL), applied


def score(
    items: dict[str, int], *, diagnosis: str = MentalDiagnosis.NONE, risk_events_30d: int = 0
) -> dict:
    """Everything the form computes: total, domain scores, base and final level."""
    total = total_score(items)
    coma = int(items[COMA_CODE]) == 0
    level, applied = adjusted_level(
        total=total, coma=coma, diagnosis=diagnosis, risk_events_30d=risk_events_30d
    )
    return {
        "total": total,
        "domains": domain_scores(items),
        "base_level": level_for_score(total),
        "level": level,
        "coma": coma,
        "adjustments": applied,
    }


def assessment_record(
    *,
    elder: Elder,
    items: dict,
    reason: str,
    assessed_on: date,
    diagnosis: str = MentalDiagnosis.NONE,
    risk_events_30d: int = 0,
    assessor=None,
    notes: str = "",
) -> AbilityAssessment:
    """Score the 26-item form, store it and set the elder's current ability level."""
    errors = validate_items(items)
    if reason not in AssessmentReason.values:
        errors["reason"] = _("Choose why this assessment is made.")
    if diagnosis not in MentalDiagnosis.values:
        errors["diagnosis"] = _("Choose a diagnosis from the list.")
    if risk_events_30d < 0:
        errors["risk_events_30d"] = _("Enter the number of events (0 or more).")
    if reason == AssessmentReason.FIRST and elder.assessments.exists():
        errors["reason"] = _(
            "This elder has been assessed before; choose routine, ad hoc or dispute reassessment."
        )
    if errors:
        raise ValidationFailed(fields={k: [v] for k, v in errors.items()})
    clean = {i.code: int(items[i.code]) for i in ASSESSMENT_ITEMS}
    result = score(clean, diagnosis=diagnosis, risk_events_30d=risk_events_30d)
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
