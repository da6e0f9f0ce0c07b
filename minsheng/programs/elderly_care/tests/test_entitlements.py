"""Eligibility rules: category × ability level → monthly entitlement, preview, bulk apply."""

from datetime import date
from decimal import Decimal

import pytest

from ..models import EntitlementRule, EntitlementRun, ServiceEntitlement
from ..services.entitlements import entitlement_run_start, entitlements_apply, entitlements_preview
from . import factories as f

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


def rules():
    EntitlementRule.objects.create(
        name="高龄",
        category="advanced_age",
        unit="hours",
        amount=Decimal(4),
        effective_from=date(2025, 1, 1),
    )
    EntitlementRule.objects.create(
        name="特困失能",
        category="extreme_poverty",
        min_level=2,
        max_level=4,
        unit="yuan",
        amount=Decimal(600),
        effective_from=date(2025, 1, 1),
        priority=10,
    )
    EntitlementRule.objects.create(
        name="特困",
        category="extreme_poverty",
        unit="yuan",
        amount=Decimal(300),
        effective_from=date(2025, 1, 1),
        priority=5,
    )


def test_highest_tier_goes_to_disabled_extreme_poverty_and_the_lowest_to_plain_advanced_age():
    rules()
    old = f.elder(["advanced_age"], name="甲")
    poor = f.elder(["extreme_poverty", "advanced_age"], name="乙")
    poor_disabled = f.elder(["extreme_poverty"], name="丙", family_phone="13900000001")
    poor_disabled.ability_level = 3
    poor_disabled.save()
    entitlements_apply(month=MARCH)
    got = {e.elder_id: (e.unit, e.amount) for e in ServiceEntitlement.objects.filter(month=MARCH)}
    assert got == {
        old.pk: ("hours", Decimal(4)),
        poor.pk: ("yuan", Decimal(300)),
        poor_disabled.pk: ("yuan", Decimal(600)),
    }


def test_preview_shows_who_gains_loses_and_changes_without_writing():
    rules()
    a = f.elder(["advanced_age"], name="甲")
    b = f.elder(["extreme_poverty"], name="乙", family_phone="13900000002")
    entitlements_apply(month=MARCH)
    c = f.elder(["advanced_age"], name="丙", family_phone="13900000003")  # newly registered
    b.categories = ["living_alone"]  # lost the qualifying category
    b.save()
    a.ability_level = 3
    a.save()
    EntitlementRule.objects.filter(name="高龄").update(amount=Decimal(6))
    preview = entitlements_preview(month=MARCH)
    assert preview["counts"] == {"gained": 1, "lost": 1, "changed": 1, "unchanged": 0}
    assert preview["gained"][0]["elder_id"] == c.pk
    assert preview["lost"][0]["elder_id"] == b.pk
    assert ServiceEntitlement.objects.filter(month=MARCH).count() == 2  # nothing written


def test_rules_outside_their_effective_dates_do_not_apply():
    EntitlementRule.objects.create(
        name="旧",
        category="advanced_age",
        unit="hours",
        amount=Decimal(8),
        effective_from=date(2024, 1, 1),
        effective_to=date(2026, 2, 28),
    )
    EntitlementRule.objects.create(
        name="新",
        category="advanced_age",
        unit="hours",
        amount=Decimal(5),
        effective_from=date(2026, 3, 1),
    )
    e = f.elder(["advanced_age"])
    entitlements_apply(month=date(2026, 2, 1))
    entitlements_apply(month=MARCH)
    assert ServiceEntitlement.objects.get(elder=e, month=date(2026, 2, 1)).amount == 8
    assert ServiceEntitlement.objects.get(elder=e, month=MARCH).amount == 5


def test_bulk_apply_runs_as_a_background_task_and_is_idempotent(django_capture_on_commit_callbacks):
    rules()
    f.elder(["advanced_age"])
    admin = f.user("民政", staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        run = entitlement_run_start(month=MARCH, actor=admin)
    run.refresh_from_db()
    assert (run.status, run.gained) == ("done", 1)
    again = entitlements_apply(month=MARCH)
    assert (again.gained, again.unchanged) == (0, 1)
    assert ServiceEntitlement.objects.count() == 1
    assert EntitlementRun.objects.count() == 2
