"""Stratified, reproducible panel draws with conflicts excluded beforehand; invitations and replacements."""

from datetime import date

import pytest
from django.db.models import Count

from minsheng.core.errors import ValidationFailed
from minsheng.draws.algorithm import draw_stratified, parse_canonical, sha256_hex
from minsheng.draws.services import draw_verify
from minsheng.notifications.models import Notification

from .. import services
from ..models import PanelSeat, SeatStatus
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_draw_is_reproducible_from_the_published_seed_and_respects_strata_quotas():
    f.pool(per_stratum=5)
    ev = f.drawn_evaluation(f.project(), size=8, seed="lyg-2026-seed")
    draw = ev.draw
    assert draw.seed_hash == sha256_hex("lyg-2026-seed")
    assert draw_verify(draw=draw)
    # Anyone can re-run it from the published candidate list and seed.
    _ids, strata = parse_canonical(draw.candidates_text)
    rerun = draw_stratified("lyg-2026-seed", strata, draw.quotas)
    seated = {}
    for seat in ev.seats.select_related("volunteer"):
        seated.setdefault(seat.stratum, []).append(seat.volunteer.number)
    assert {s: sorted(v) for s, v in rerun.items() if v} == {s: sorted(v) for s, v in seated.items()}
    # Four strata (2 districts × 2 age bands) of equal size share 8 seats equally.
    assert ev.quotas == {"320703/18-34": 2, "320703/50-64": 2, "320706/18-34": 2, "320706/50-64": 2}
    assert {s: len(v) for s, v in seated.items()} == ev.quotas


def test_configured_quotas_are_used_and_checked_against_the_pool():
    f.pool(per_stratum=3)
    quotas = {"320703/18-34": 3, "320706/50-64": 1}
    ev = f.drawn_evaluation(f.project(), size=4, quotas=quotas)
    assert dict(ev.seats.values_list("stratum").annotate(n=Count("id"))) == quotas
    ev2 = f.evaluation(f.project(), size=4, quotas={"320703/18-34": 4})
    with pytest.raises(ValidationFailed) as e:
        services.evaluation_publish_candidates(evaluation=ev2, actor=None)
    assert "320703/18-34" in str(e.value.message)


def test_staff_of_the_lead_unit_and_contractors_are_excluded_before_the_draw():
    lead = f.org("市交通局")
    lead_branch = f.org("市交通局公路处", parent=lead)
    contractor = f.org("连云港路桥公司", kind="company")
    f.pool(per_stratum=2)
    staffer = f.volunteer(employer=lead, birth=date(1995, 1, 1))
    branch = f.volunteer(employer=lead_branch, birth=date(1995, 1, 1))
    linked = f.volunteer(links=[contractor], birth=date(1995, 1, 1))
    ev = f.evaluation(f.project(lead_unit=lead, contractors=[contractor]), size=4)
    ev = services.evaluation_publish_candidates(evaluation=ev, actor=None, seed="s")
    text = ev.draw.candidates_text
    for v in (staffer, branch, linked):
        assert v.number not in text
    assert ev.excluded_count == 3
    assert ev.draw.candidate_count == 8


def test_members_are_invited_and_a_decline_draws_the_next_in_the_same_stratum():
    f.pool(per_stratum=4)
    ev = f.drawn_evaluation(f.project(), size=4, seed="replace-seed")
    assert Notification.objects.filter(template="evaluation_panels.invitation").count() == 4
    seat = ev.seats.select_related("volunteer__person__user").first()
    order = ev.draw_order[seat.stratum]
    services.seat_respond(seat=seat, user=seat.volunteer.person.user, accept=False)
    seat.refresh_from_db()
    assert seat.status == SeatStatus.DECLINED
    new = PanelSeat.objects.get(replaces=seat)
    assert new.stratum == seat.stratum
    taken = set(ev.seats.filter(stratum=seat.stratum).exclude(pk=new.pk).values_list("volunteer__number", flat=True))
    assert new.volunteer.number == next(n for n in order if n not in taken)
    assert Notification.objects.filter(template="evaluation_panels.invitation").count() == 5


def test_replacement_skips_a_volunteer_who_declared_a_conflict_after_the_draw():
    contractor = f.org("海州建工", kind="company")
    f.pool(per_stratum=4, districts=("320706",), births=(date(1995, 1, 1),))
    ev = f.drawn_evaluation(f.project(contractors=[contractor]), size=3, seed="skip")
    order = ev.draw_order["320706/18-34"]
    from ..models import Volunteer

    nxt = Volunteer.objects.get(number=order[3])
    services.volunteer_declare_conflicts(volunteer=nxt, actor=None, organisations=[contractor])
    seat = ev.seats.get(position=0)
    new = services.seat_replace(seat=seat, actor=None)
    assert new is None  # the only one left has a conflict
    assert not ev.seats.filter(volunteer=nxt).exists()


def test_a_panel_larger_than_the_eligible_pool_is_refused_with_the_numbers():
    f.pool(per_stratum=1)
    ev = f.evaluation(f.project(), size=10)
    with pytest.raises(ValidationFailed) as e:
        services.evaluation_publish_candidates(evaluation=ev, actor=None)
    assert "4" in str(e.value.message) and "10" in str(e.value.message)
    ev.refresh_from_db()
    assert ev.draw_id is None


def test_volunteer_needs_age_and_district():
    p = f.person(birth=date(2010, 1, 1))
    with pytest.raises(ValidationFailed) as e:
        services.volunteer_enrol(person=p, actor=None)
    assert "birth_date" in e.value.fields
