"""The arithmetic of results: grade rule, quorum, satisfaction rate, weighted scores, strata.

Pure functions, no database; the worked examples in tests/test_grading.py
come from published results (四好农村路 182 / 10 / 1).
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

SATISFIED, BASIC, DISSATISFIED = "satisfied", "basic", "dissatisfied"

# Age bands for stratification (inclusive bounds).
DEFAULT_AGE_BANDS = ((18, 34), (35, 49), (50, 64), (65, 120))


@dataclass(frozen=True)
class GradeResult:
    grade: str  # "" when there is no grade
    reason: str  # why there is no grade ("" when graded)


def quorum_met(*, present: int, panel_size: int, quorum_fraction: Decimal) -> bool:
    """More than ``quorum_fraction`` of the panel must be present (default: more than half)."""
    return panel_size > 0 and Decimal(present) > Decimal(panel_size) * Decimal(quorum_fraction)


def grade_zhenhai(
    *, satisfied: int, basic: int, present: int, panel_size: int, quorum_fraction: Decimal
) -> GradeResult:
    """镇海 rule: 满意 if 满意 > half of the members present; 基本满意 if 满意 + 基本满意 > half;
    otherwise 不满意 — and only when the quorum is met.

    "More than half" is strict: exactly half is not enough. Members present who
    handed in no scorecard still count in the denominator.
    """
    if not quorum_met(present=present, panel_size=panel_size, quorum_fraction=quorum_fraction):
        needed = int(Decimal(panel_size) * Decimal(quorum_fraction)) + 1
        return GradeResult(
            "",
            _(
                "No grade: only %(present)s of %(size)s panel members were present, "
                "and at least %(needed)s are needed. Schedule the evaluation again."
            )
            % {"present": present, "size": panel_size, "needed": needed},
        )
    if 2 * satisfied > present:
        return GradeResult(SATISFIED, "")
    if 2 * (satisfied + basic) > present:
        return GradeResult(BASIC, "")
    return GradeResult(DISSATISFIED, "")


GRADE_RULES = {"zhenhai": grade_zhenhai}


def satisfaction_rate(*, satisfied: int, basic: int, dissatisfied: int, formula: str) -> Decimal | None:
    """满意率: 满意/valid (``satisfied``) or (满意+基本满意)/valid (``satisfied_or_basic``)."""
    valid = satisfied + basic + dissatisfied
    if valid == 0:
        return None
    top = satisfied if formula == "satisfied" else satisfied + basic
    return (Decimal(top) / Decimal(valid)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def weighted_score(*, scores: dict, criteria: list[tuple[int, Decimal, int]]) -> Decimal:
    """A 0–100 score: Σ weight × score/max over Σ weight. ``criteria`` = [(id, weight, max)]."""
    total_weight = sum((Decimal(w) for _i, w, _m in criteria), Decimal(0))
    if total_weight == 0:
        return Decimal(0)
    acc = Decimal(0)
    for cid, weight, max_score in criteria:
        acc += Decimal(weight) * Decimal(scores[str(cid)]) / Decimal(max_score)
    return (acc * 100 / total_weight).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_band(birth: date | None, today: date, bands=DEFAULT_AGE_BANDS) -> str | None:
    """"35-49" for a 40-year-old; None outside every band (or without a birth date)."""
    if birth is None:
        return None
    age = age_on(birth, today)
    for lo, hi in bands:
        if lo <= age <= hi:
            return f"{lo}-{hi}"
    return None


def proportional_quotas(counts: dict[str, int], size: int) -> dict[str, int]:
    """Split ``size`` seats over strata in proportion to their pool sizes (largest remainder).

    Remainder ties go to the larger stratum, then by stratum name, so the
    quotas are the same for anyone recomputing them.
    """
    total = sum(counts.values())
    if total == 0 or size <= 0:
        return {s: 0 for s in counts}
    size = min(size, total)
    exact = {s: Decimal(n) * size / total for s, n in counts.items()}
    quotas = {s: int(v) for s, v in exact.items()}
    left = size - sum(quotas.values())
    order = sorted(counts, key=lambda s: (-(exact[s] - quotas[s]), -counts[s], s))
    for s in order[:left]:
        quotas[s] += 1
    return quotas


def rank_candidates(counts: dict[int, int], places: int) -> tuple[list[int], list[int]]:
    """(elected, tied) for a 差额 vote: the top ``places`` by votes.

    Tie rule (documented in README and the ADR): candidates tied at the cut line
    are not split by the system — none of them is elected and they go to a
    run-off vote for the places left, as a people's congress does.
    """
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ordered) <= places:
        return [c for c, _v in ordered], []
    cut = ordered[places - 1][1] if places > 0 else None
    if places == 0:
        return [], []
    above = [c for c, v in ordered if v > cut]
    at_cut = [c for c, v in ordered if v == cut]
    if len(above) + len(at_cut) <= places:
        return above + at_cut, []
    return above, at_cut
