"""Parent satisfaction: guardians rate the care (core ratings); supervision shows it against 90%."""

import re
from datetime import timedelta

import pytest
import time_machine

from minsheng.access.models import Role, RoleAssignment
from minsheng.core.errors import Conflict, NotFound, ValidationFailed
from minsheng.ratings.models import Rating

from ..selectors import supervision as selectors
from ..services.applications import application_submit
from ..services.satisfaction import application_rate
from . import factories as f

pytestmark = pytest.mark.django_db
TERM_BEGUN = f.NOW + timedelta(days=14)  # the term starts on 2026-03-02


def _admitted(school, off):
    guardian, child = f.guardian_with_child(school)
    with time_machine.travel(f.NOW, tick=False):
        app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                                          idempotency_key=f.key())
    return guardian, app


@pytest.fixture
def school():
    return f.school()


@pytest.fixture
def off(school):
    with time_machine.travel(f.NOW, tick=False):
        f.window(school)
    return f.offering(school, capacity=10)


def _supervisor(school):
    staff = f.user("督导", is_staff=True)
    Role.objects.get_or_create(code="education_supervisor", defaults={"title": "教育督导"})
    RoleAssignment.objects.create(user=staff, role_id="education_supervisor", organisation=school,
                                  region=f.region().parent)
    return staff


def test_guardian_rates_the_care_once_and_the_rating_belongs_to_the_school(school, off):
    guardian, app = _admitted(school, off)
    with time_machine.travel(TERM_BEGUN, tick=False):
        rating = application_rate(guardian_user=guardian, application_id=app.pk, level=5)
        with pytest.raises(Conflict):
            application_rate(guardian_user=guardian, application_id=app.pk, level=4)
    rating = Rating.objects.get()
    assert (rating.rater, rating.organisation, rating.service_key, rating.level) == (
        guardian, school, "after_school.weekday", 5)
    assert rating.target_id == str(app.pk) and rating.region == school.region


def test_rating_is_refused_before_the_term_without_a_place_or_for_another_family(school, off):
    guardian, app = _admitted(school, off)
    stranger, _child = f.guardian_with_child(school)
    with time_machine.travel(f.NOW, tick=False), pytest.raises(ValidationFailed):
        application_rate(guardian_user=guardian, application_id=app.pk, level=5)  # term not begun
    lottery_off = f.offering(school, capacity=1, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        waiting = application_submit(guardian_user=guardian, student_id=app.student.pk, offering_id=lottery_off.pk,
                                              weekdays=[1], idempotency_key=f.key())
    with time_machine.travel(TERM_BEGUN, tick=False):
        with pytest.raises(ValidationFailed):
            application_rate(guardian_user=guardian, application_id=waiting.pk, level=5)  # no place (yet)
        with pytest.raises(NotFound):
            application_rate(guardian_user=stranger, application_id=app.pk, level=5)
        with pytest.raises(ValidationFailed):
            application_rate(guardian_user=guardian, application_id=app.pk, level=9)
        with pytest.raises(ValidationFailed):
            application_rate(guardian_user=guardian, application_id=app.pk, level=1)  # a bad rating needs a reason
    assert Rating.objects.count() == 0


def test_a_bad_rating_opens_a_follow_up_for_the_school(school, off):
    guardian, app = _admitted(school, off)
    with time_machine.travel(TERM_BEGUN, tick=False):
        rating = application_rate(guardian_user=guardian, application_id=app.pk, level=2,
                                  comment="接孩子时无人交接")
    rating.refresh_from_db()
    assert rating.follow_up is not None and rating.follow_up.organisation == school


def test_supervision_shows_satisfaction_by_school_district_and_city_against_the_target(school, off):
    other = f.school("新浦小学")
    with time_machine.travel(f.NOW, tick=False):
        f.window(other)
    other_off = f.offering(other, capacity=10)
    levels = {school: [5, 4, 3, 2], other: [5, 5]}  # 3 of 4 satisfied (75%), 2 of 2 (100%)
    with time_machine.travel(TERM_BEGUN, tick=False):
        for sch, o in ((school, off), (other, other_off)):
            for level in levels[sch]:
                guardian, app = _admitted(sch, o)
                application_rate(guardian_user=guardian, application_id=app.pk, level=level,
                                 comment="" if level > 2 else "老师更换太频繁")
    by_school = {r["key"]: r for r in selectors.supervision_rows(by="school", term=off.term)}
    assert (by_school[school.pk]["ratings"], by_school[school.pk]["satisfaction_percent"]) == (4, 75.0)
    assert (by_school[other.pk]["ratings"], by_school[other.pk]["satisfaction_percent"]) == (2, 100.0)
    district = selectors.supervision_rows(by="district", term=off.term)
    assert [(r["key"], r["ratings"], r["satisfaction_percent"]) for r in district] == [("320706", 6, 83.3)]
    city = selectors.city_summary(term=off.term)
    assert (city["ratings"], city["ratings_satisfied"], city["satisfaction_percent"]) == (6, 5, 83.3)
    assert city["target_percent"] == 90 and city["coverage_percent"] == 100.0


def test_ratings_of_another_term_do_not_count(school, off):
    from ..models import Term

    guardian, app = _admitted(school, off)
    with time_machine.travel(TERM_BEGUN, tick=False):
        application_rate(guardian_user=guardian, application_id=app.pk, level=1, comment="太吵")
    later = Term.objects.create(name="下学期", school_year=2025, starts_on=f.NOW.date().replace(month=9),
                                ends_on=f.NOW.date().replace(month=12))
    rows = selectors.supervision_rows(by="school", term=later)
    assert rows and all(r["ratings"] == 0 and r["satisfaction_percent"] is None for r in rows)


def test_guardian_rates_through_the_page_and_the_api(client, school, off):
    guardian, app = _admitted(school, off)
    second_guardian, second_app = _admitted(school, off)
    with time_machine.travel(TERM_BEGUN, tick=False):
        client.force_login(guardian)
        listed = client.get("/api/v1/after_school/applications").json()
        assert [(a["id"], a["my_rating"], a["can_rate"]) for a in listed] == [(app.pk, None, True)]
        assert 'data-test="rate"' in client.get("/p/after_school/").content.decode()
        assert client.post(f"/p/after_school/applications/{app.pk}/rate/", {"level": "4"}).status_code == 302
        page = client.get("/p/after_school/").content.decode()
        assert 'data-test="my-rating"' in page and 'data-test="rate"' not in page
        again = client.post(f"/api/v1/after_school/applications/{app.pk}/rating", {"level": 5},
                            content_type="application/json")
        assert again.status_code == 409
        listed = client.get("/api/v1/after_school/applications").json()
        assert [(a["my_rating"], a["can_rate"]) for a in listed] == [(4, False)]
        not_mine = client.post(f"/api/v1/after_school/applications/{second_app.pk}/rating", {"level": 5},
                               content_type="application/json")
        assert not_mine.status_code == 404
        client.force_login(second_guardian)
        bad = client.post(f"/api/v1/after_school/applications/{second_app.pk}/rating", {"level": 7},
                          content_type="application/json")
        assert bad.status_code == 422
        no_reason = client.post(f"/api/v1/after_school/applications/{second_app.pk}/rating", {"level": 1},
                                content_type="application/json")
        assert no_reason.status_code == 422 and "comment" in no_reason.json()["fields"]
        made = client.post(f"/api/v1/after_school/applications/{second_app.pk}/rating",
                           {"level": 1, "comment": "没有按时开始"}, content_type="application/json")
        assert made.status_code == 201 and made.json()["follow_up"] is True
    assert sorted(Rating.objects.values_list("level", flat=True)) == [1, 4]


def test_supervision_page_and_api_show_satisfaction_and_flag_it_below_target(client, school, off):
    with time_machine.travel(TERM_BEGUN, tick=False):
        for level in (5, 2):
            guardian, app = _admitted(school, off)
            application_rate(guardian_user=guardian, application_id=app.pk, level=level, comment="有待改进")
        client.force_login(_supervisor(school))
        rows = client.get("/api/v1/after_school/supervision?by=school").json()
        assert [(r["ratings"], r["satisfaction_percent"], r["target_percent"]) for r in rows] == [(2, 50.0, 90)]
        city = client.get("/api/v1/after_school/supervision?by=city").json()
        assert len(city) == 1 and (city[0]["key"], city[0]["ratings"], city[0]["satisfaction_percent"]) == (
            "total", 2, 50.0)
        page = client.get("/p/after_school/supervision/?by=school").content.decode()
    cell = page.split('data-test="satisfaction"')[1].split("</td>")[0]
    assert "50.0%" in cell and "below-target" in cell
    assert 'data-test="total-satisfaction"' in page


def test_a_refused_rating_on_the_page_keeps_the_chosen_level_and_shows_the_reason_once(client, school, off):
    guardian, app = _admitted(school, off)
    with time_machine.travel(TERM_BEGUN, tick=False):
        client.force_login(guardian)
        r = client.post(f"/p/after_school/applications/{app.pk}/rate/", {"level": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422 and not Rating.objects.exists()
    page = r.content.decode()
    form = r.context["applications"][0].rate_form
    assert list(form.errors) == ["comment"] and form["level"].value() == "1"
    assert page.count(form.errors["comment"][0]) == 1  # once, at the field; not again among the messages
    radios = re.findall(r'<input[^>]*name="level"[^>]*>', page)
    assert [r for r in radios if "checked" in r] == [r for r in radios if 'value="1"' in r]
