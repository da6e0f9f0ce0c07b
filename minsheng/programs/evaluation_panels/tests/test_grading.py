"""The grade rule, quorum, satisfaction formulas, weighted scores, quotas and the vote's tie rule."""

from datetime import date
from decimal import Decimal

import pytest

from ..services.grading import (
    age_band,
    grade_zhenhai,
    proportional_quotas,
    rank_candidates,
    satisfaction_rate,
    weighted_score,
)

HALF = Decimal("0.5")


def test_published_result_182_10_1_is_satisfied():
    r = grade_zhenhai(satisfied=182, basic=10, present=193, panel_size=200, quorum_fraction=HALF)
    assert r.grade == "satisfied" and r.reason == ""


def test_satisfied_needs_strictly_more_than_half_of_members_present():
    # 50 of 100 present is exactly half: not 满意; with 30 基本满意 the sum 80 > 50 gives 基本满意.
    r = grade_zhenhai(satisfied=50, basic=30, present=100, panel_size=120, quorum_fraction=HALF)
    assert r.grade == "basic"


def test_basic_boundary_exactly_half_is_dissatisfied():
    r = grade_zhenhai(satisfied=20, basic=30, present=100, panel_size=120, quorum_fraction=HALF)
    assert r.grade == "dissatisfied"
    r = grade_zhenhai(satisfied=20, basic=31, present=100, panel_size=120, quorum_fraction=HALF)
    assert r.grade == "basic"


def test_members_present_without_a_scorecard_still_count_in_the_denominator():
    # 6 satisfied of 11 present (5 handed in nothing): 6 > 5.5 → 满意; of 12 present: 6 = half → not.
    assert grade_zhenhai(satisfied=6, basic=0, present=11, panel_size=12, quorum_fraction=HALF).grade == "satisfied"
    assert grade_zhenhai(satisfied=6, basic=0, present=12, panel_size=12, quorum_fraction=HALF).grade == "dissatisfied"


def test_quorum_failure_gives_no_grade_and_says_why():
    r = grade_zhenhai(satisfied=5, basic=0, present=5, panel_size=10, quorum_fraction=HALF)
    assert r.grade == ""
    assert "5" in r.reason and "10" in r.reason and "6" in r.reason


def test_quorum_with_a_two_thirds_fraction():
    assert grade_zhenhai(satisfied=7, basic=0, present=7, panel_size=9, quorum_fraction=Decimal("0.667")).grade == "satisfied"
    assert grade_zhenhai(satisfied=6, basic=0, present=6, panel_size=9, quorum_fraction=Decimal("0.667")).grade == ""


def test_satisfaction_formulas():
    assert satisfaction_rate(satisfied=182, basic=10, dissatisfied=1, formula="satisfied") == Decimal("0.9430")
    assert satisfaction_rate(satisfied=182, basic=10, dissatisfied=1, formula="satisfied_or_basic") == Decimal("0.9948")
    assert satisfaction_rate(satisfied=0, basic=0, dissatisfied=0, formula="satisfied") is None


def test_weighted_score_uses_weights_and_maxima():
    crit = [(1, Decimal(40), 10), (2, Decimal(60), 5)]
    assert weighted_score(scores={"1": 10, "2": 0}, criteria=crit) == Decimal("40.00")
    assert weighted_score(scores={"1": 5, "2": 5}, criteria=crit) == Decimal("80.00")


@pytest.mark.parametrize(("birth", "band"), [(date(2008, 5, 13), None), (date(2008, 5, 12), "18-34"),
                                             (date(1976, 5, 12), "50-64"), (date(1950, 1, 1), "65-120")])
def test_age_bands(birth, band):
    assert age_band(birth, date(2026, 5, 12)) == band


def test_proportional_quotas_add_up_and_follow_the_pool():
    q = proportional_quotas({"a": 50, "b": 30, "c": 20}, 10)
    assert q == {"a": 5, "b": 3, "c": 2}
    q = proportional_quotas({"a": 1, "b": 1, "c": 1}, 2)
    assert sum(q.values()) == 2 and q == {"a": 1, "b": 1, "c": 0}


def test_vote_elects_top_places_and_sends_a_tie_at_the_cut_line_to_a_run_off():
    assert rank_candidates({1: 90, 2: 80, 3: 70, 4: 10}, 2) == ([1, 2], [])
    elected, tied = rank_candidates({1: 90, 2: 70, 3: 70, 4: 10}, 2)
    assert elected == [1] and tied == [2, 3]
    # A tie wholly inside the places is no tie at all.
    assert rank_candidates({1: 90, 2: 90, 3: 10}, 2) == ([1, 2], [])
