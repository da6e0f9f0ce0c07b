"""GB/T 42195-2022 scoring against worked examples."""

from datetime import date

import pytest

from minsheng.core.errors import ValidationFailed

from .. import catalogue
from ..services import assessment as gb
from ..services.assessment import assessment_record
from . import factories as f


def full_marks() -> dict:
    return {i.code: i.maximum for i in catalogue.ASSESSMENT_ITEMS}


def with_total(total: int) -> dict:
    """Item scores adding up to ``total``, taking points off from the first items (consciousness kept)."""
    items = full_marks()
    missing = catalogue.ASSESSMENT_MAX_TOTAL - total
    for item in catalogue.ASSESSMENT_ITEMS:
        if item.code == catalogue.COMA_CODE:
            continue
        take = min(missing, items[item.code])
        items[item.code] -= take
        missing -= take
    assert missing == 0
    return items


def test_the_form_has_26_items_in_four_domains_totalling_90():
    assert len(catalogue.ASSESSMENT_ITEMS) == 26
    maxima = {
        d: sum(i.maximum for i in catalogue.ASSESSMENT_ITEMS if i.domain == d)
        for d in catalogue.ASSESSMENT_DOMAINS
    }
    assert maxima == {"self_care": 32, "motor": 15, "mental": 28, "perception": 15}
    assert catalogue.ASSESSMENT_MAX_TOTAL == 90


@pytest.mark.parametrize(
    ("total", "level"),
    [(90, 0), (89, 1), (66, 1), (65, 2), (46, 2), (45, 3), (30, 3), (29, 4), (2, 4)],
)
def test_level_boundaries(total, level):
    assert gb.level_for_score(total) == level
    assert gb.score(with_total(total))["level"] == level


def test_coma_is_level_4_whatever_the_score():
    items = full_marks()
    items["consciousness"] = 0  # 昏迷
    result = gb.score(items)
    assert result["total"] == 88 and result["base_level"] == 1
    assert result["level"] == 4 and result["adjustments"] == ["coma"]


def test_dementia_raises_one_level():
    assert gb.score(with_total(70), diagnosis="dementia")["level"] == 2


def test_other_mental_disorder_raises_one_level():
    assert gb.score(with_total(50), diagnosis="other")["level"] == 3


def test_two_care_risk_events_raise_one_level_but_one_does_not():
    assert gb.score(with_total(90), risk_events_30d=1)["level"] == 0
    assert gb.score(with_total(90), risk_events_30d=2)["level"] == 1


def test_combined_adjustments_add_up_and_are_capped_at_4():
    assert gb.score(with_total(70), diagnosis="dementia", risk_events_30d=3)["level"] == 3
    result = gb.score(with_total(40), diagnosis="dementia", risk_events_30d=2)
    assert result["base_level"] == 3 and result["level"] == 4
    assert result["adjustments"] == ["diagnosis", "risk_events"]


def test_item_out_of_range_or_missing_is_refused_per_item():
    items = full_marks()
    items["stairs"] = 4  # max 3
    del items["vision"]
    errors = gb.validate_items(items)
    assert set(errors) == {"stairs", "vision"}


@pytest.mark.django_db
def test_recorded_assessment_sets_the_elders_level_and_reassessment_needs_a_reason():
    elder = f.elder()
    record = assessment_record(
        elder=elder, items=with_total(60), reason="first", assessed_on=date(2026, 1, 5)
    )
    elder.refresh_from_db()
    assert (record.total, record.level, elder.ability_level) == (60, 2, 2)
    with pytest.raises(ValidationFailed) as exc:
        assessment_record(
            elder=elder, items=with_total(40), reason="first", assessed_on=date(2026, 3, 5)
        )
    assert "reason" in exc.value.fields
    assessment_record(
        elder=elder, items=with_total(40), reason="ad_hoc", assessed_on=date(2026, 3, 5)
    )
    elder.refresh_from_db()
    assert elder.ability_level == 3
    assert elder.assessments.count() == 2
