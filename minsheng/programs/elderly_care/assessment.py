"""老年人能力评估 — GB/T 42195-2022 scoring, as pure functions.

26 second-level items in 4 domains, 90 points in all. A higher score means
more ability. The level follows from the total, then the standard's
adjustments: coma (意识水平 0) → level 4; a diagnosed dementia (F00–F03) or
another mental or behavioural disorder (F04–F99) → one level higher; two or
more care-risk events (falls, wandering, choking, self-harm) in the last 30
days → one level higher; never above 4.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    code: str
    domain: str
    title: object
    maximum: int


SELF_CARE, MOTOR, MENTAL, PERCEPTION = "self_care", "motor", "mental", "perception"
DOMAINS = {
    SELF_CARE: _("self-care ability"),
    MOTOR: _("basic motor ability"),
    MENTAL: _("mental state"),
    PERCEPTION: _("perception and social participation"),
}

ITEMS: list[Item] = [
    Item("eating", SELF_CARE, _("eating"), 4),
    Item("grooming", SELF_CARE, _("grooming"), 4),
    Item("bathing", SELF_CARE, _("bathing"), 4),
    Item("dressing_upper", SELF_CARE, _("putting on and taking off tops"), 4),
    Item("dressing_lower", SELF_CARE, _("putting on and taking off trousers, shoes and socks"), 4),
    Item("urine_control", SELF_CARE, _("urine control"), 4),
    Item("bowel_control", SELF_CARE, _("bowel control"), 4),
    Item("toileting", SELF_CARE, _("using the toilet"), 4),
    Item("bed_position", MOTOR, _("changing position in bed"), 4),
    Item("bed_chair_transfer", MOTOR, _("moving between bed and chair"), 4),
    Item("walking", MOTOR, _("walking on level ground"), 4),
    Item("stairs", MOTOR, _("going up and down stairs"), 3),
    Item("orientation_time", MENTAL, _("orientation in time"), 4),
    Item("orientation_place", MENTAL, _("orientation in place"), 4),
    Item("orientation_person", MENTAL, _("orientation to people"), 4),
    Item("memory", MENTAL, _("memory"), 4),
    Item("comprehension", MENTAL, _("understanding"), 4),
    Item("expression", MENTAL, _("expression"), 4),
    Item("aggression", MENTAL, _("aggressive behaviour"), 1),
    Item("depression", MENTAL, _("depressive symptoms"), 1),
    Item("consciousness", MENTAL, _("level of consciousness"), 2),
    Item("vision", PERCEPTION, _("vision"), 2),
    Item("hearing", PERCEPTION, _("hearing"), 2),
    Item("daily_affairs", PERCEPTION, _("handling daily affairs"), 4),
    Item("transport", PERCEPTION, _("going out by transport"), 3),
    Item("social", PERCEPTION, _("social interaction"), 4),
]
ITEM_BY_CODE = {i.code: i for i in ITEMS}
MAX_TOTAL = sum(i.maximum for i in ITEMS)  # 90
COMA_CODE = "consciousness"  # 0 points = 昏迷


class AbilityLevel(models.IntegerChoices):
    INTACT = 0, _("0 ability intact")
    MILD = 1, _("1 mild loss of ability")
    MODERATE = 2, _("2 moderate loss of ability")
    SEVERE = 3, _("3 severe loss of ability")
    TOTAL = 4, _("4 total loss of ability")


class MentalDiagnosis(models.TextChoices):
    NONE = "none", _("none")
    DEMENTIA = "dementia", _("dementia (F00–F03)")
    OTHER = "other", _("other mental or behavioural disorder (F04–F99)")


class AssessmentReason(models.TextChoices):
    FIRST = "first", _("first assessment")
    ROUTINE = "routine", _("routine reassessment")
    AD_HOC = "ad_hoc", _("ad hoc reassessment (change of condition)")
    DISPUTE = "dispute", _("reassessment on a disputed result")
    OTHER = "other", _("other")


def domain_scores(items: dict[str, int]) -> dict[str, int]:
    scores = dict.fromkeys(DOMAINS, 0)
    for item in ITEMS:
        scores[item.domain] += int(items.get(item.code, 0))
    return scores


def validate_items(items: dict) -> dict[str, str]:
    """Per-item error messages (empty when every one of the 26 items is a score in range)."""
    errors: dict[str, str] = {}
    for item in ITEMS:
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
        if code not in ITEM_BY_CODE:
            errors[code] = str(_("This is not an item of the assessment form."))
    return errors


def total_score(items: dict[str, int]) -> int:
    return sum(int(items[i.code]) for i in ITEMS)


def level_for_score(total: int) -> int:
    if not 0 <= total <= MAX_TOTAL:
        raise ValueError(f"total {total} outside 0..{MAX_TOTAL}")
    if total == MAX_TOTAL:
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
