"""Each anomaly rule, as a pure function and through the bulk detector."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from PIL import Image

from ..models import Anomaly, EntitlementRule, OrderStatus, PhotoKind, VisitPhoto, WorkOrder
from ..services.anomalies import anomalies_detect, anomaly_review
from ..services.entitlements import entitlements_apply
from ..services.verification import (
    dhash,
)
from . import factories as f


@pytest.fixture
def done_visit(db):
    org = f.provider()
    cg = f.caregiver(org)
    elder = f.elder()
    items = f.services()

    def make(
        start,
        minutes=60,
        served=60,
        distance=20.0,
        caregiver=cg,
        service="cleaning",
        amount=Decimal("35"),
    ):
        return WorkOrder.objects.create(
            elder=elder,
            region_id=elder.region_id,
            provider=org,
            caregiver=caregiver,
            service=items[service],
            planned_start=start,
            planned_minutes=minutes,
            status=OrderStatus.VERIFIED,
            checked_in_at=start,
            checked_out_at=start + timedelta(minutes=served),
            minutes_served=served,
            check_in_distance_m=distance,
            quantity=Decimal(1),
            amount=amount,
        )

    make.elder, make.caregiver = elder, cg
    return make


def kinds():
    return sorted(Anomaly.objects.values_list("work_order_id", "kind"))


def detect():
    return anomalies_detect(start=date(2026, 3, 1), end=date(2026, 4, 1))


def test_detector_flags_short_visits(done_visit):
    short = done_visit(f.at(2026, 3, 10, 9), served=40)
    done_visit(f.at(2026, 3, 11, 9), served=55)
    assert detect()["short"] == 1
    assert kinds() == [(short.pk, "short")]


def test_detector_flags_check_in_outside_the_geofence(done_visit):
    far = done_visit(f.at(2026, 3, 10, 9), distance=850.0)
    done_visit(f.at(2026, 3, 11, 9), distance=150.0)
    detect()
    assert kinds() == [(far.pk, "geofence")]


def test_detector_flags_a_caregiver_in_two_homes_at_once(done_visit):
    a = done_visit(f.at(2026, 3, 10, 9))
    b = done_visit(f.at(2026, 3, 10, 9, 40))
    done_visit(f.at(2026, 3, 10, 11))
    detect()
    assert kinds() == [(a.pk, "overlap"), (b.pk, "overlap")]


def test_detector_flags_a_photo_used_again_on_another_visit(done_visit):
    a = done_visit(f.at(2026, 3, 10, 9))
    b = done_visit(f.at(2026, 3, 12, 9))
    c = done_visit(f.at(2026, 3, 13, 9))
    from minsheng.attachments.services import attachment_store

    def add(order, seed, resize=None):
        upload = f.photo(seed)
        img = Image.open(upload)
        if resize:
            img = img.resize(resize)
        upload.seek(0)
        att = attachment_store(file=upload, target=order)
        return VisitPhoto.objects.create(
            work_order=order, kind=PhotoKind.DURING, attachment=att, phash=dhash(img)
        )

    add(a, 1)
    add(b, 1, resize=(200, 150))  # the same picture, resized
    add(c, 9)
    detect()
    assert kinds() == [(b.pk, "photo_reused")]
    assert Anomaly.objects.get().detail["other_order"] == a.pk


def test_detector_flags_visits_beyond_the_months_entitlement(done_visit):
    EntitlementRule.objects.create(
        name="高龄",
        category="advanced_age",
        unit="yuan",
        amount=Decimal(100),
        effective_from=date(2025, 1, 1),
    )
    entitlements_apply(month=date(2026, 3, 1))
    visits = [done_visit(f.at(2026, 3, d, 9), amount=Decimal(35)) for d in (2, 9, 16, 23)]
    detect()
    assert kinds() == [(visits[2].pk, "overdrawn"), (visits[3].pk, "overdrawn")]


def test_detector_is_idempotent_and_upheld_anomaly_rejects_the_visit(done_visit):
    short = done_visit(f.at(2026, 3, 10, 9), served=10)
    detect()
    assert detect()["short"] == 0
    officer = f.user("民政", staff=True)
    anomaly_review(anomaly=Anomaly.objects.get(), actor=officer, uphold=True, note="服务时长不足")
    short.refresh_from_db()
    assert short.status == OrderStatus.REJECTED


def test_detector_flags_a_near_copy_of_an_earlier_photo_but_not_a_different_one(done_visit):
    from minsheng.attachments.services import attachment_store

    first, near, far, own = (done_visit(f.at(2026, 3, d, 9)) for d in (10, 12, 13, 14))
    base = "9f3a5c7e1b2d4f60"
    att = attachment_store(file=f.photo(1), target=first)

    def add(order, phash):
        return VisitPhoto.objects.create(
            work_order=order, kind=PhotoKind.AFTER, attachment=att, phash=phash
        )

    original = add(first, base)
    # Six bits apart (the threshold): two in each low segment, one in each high one, so
    # no 16-bit segment is equal and only the one-bit neighbour probes can find it.
    add(near, f.flip_bits(base, [0, 9, 17, 30, 40, 60]))
    add(far, f.flip_bits(base, [1, 10, 18, 31, 41, 50, 61]))  # seven bits: another photo
    # Two near-identical photos of one visit (before and after) are not a reuse.
    add(own, "0123456789abcdef")
    add(own, f.flip_bits("0123456789abcdef", [3, 33]))
    detect()
    assert kinds() == [(near.pk, "photo_reused")]
    flagged = Anomaly.objects.get()
    assert flagged.detail["same_as_photo"] == original.pk
    assert flagged.detail["other_order"] == first.pk
    assert flagged.detail["distance"] == 6


def test_hours_entitlement_counts_meals_and_visits_by_their_time_not_as_hours(done_visit):
    EntitlementRule.objects.create(
        name="高龄",
        category="advanced_age",
        unit="hours",
        amount=Decimal(4),
        effective_from=date(2025, 1, 1),
    )
    entitlements_apply(month=date(2026, 3, 1))
    # Six delivered meals of 20 minutes = 2 hours, two hours of cleaning: 4 hours, within.
    for d in range(2, 8):
        done_visit(f.at(2026, 3, d, 11), minutes=20, served=20, service="meal")
    for d in (9, 16):
        done_visit(f.at(2026, 3, d, 9))
    detect()
    assert kinds() == []
    extra = done_visit(f.at(2026, 3, 23, 9), minutes=90, served=90, service="medical")
    detect()
    assert kinds() == [(extra.pk, "overdrawn")]
    detail = Anomaly.objects.get().detail
    assert (detail["unit"], detail["used"]) == ("hours", "5.50")
