"""A citizen joins the panel pool from their page or the API (volunteer_enrol): once, 18 or over."""

from datetime import date

import pytest

from ..models import Volunteer
from . import factories as f

pytestmark = pytest.mark.django_db


def test_a_citizen_joins_the_pool_from_the_page_and_a_second_time_is_refused(client):
    person = f.person("李娜")
    client.force_login(person.user)
    assert 'data-test="volunteer-join"' in client.get("/p/evaluation_panels/me/volunteer/").content.decode()
    r = client.post("/p/evaluation_panels/me/volunteer/",
                    {"occupation": "教师", "conflict_note": "", "pledge": "on"})
    assert r.status_code == 302
    v = Volunteer.objects.get(person=person)
    assert (v.occupation, v.district.code) == ("教师", "320706") and v.number.startswith("V")
    page = client.get("/p/evaluation_panels/me/volunteer/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-test="volunteer-member"' in page and v.number in page
    again = client.post("/api/v1/evaluation_panels/volunteers/me", {}, content_type="application/json")
    assert again.status_code == 409 and Volunteer.objects.count() == 1


def test_the_pledge_is_required_and_a_minor_is_refused(client):
    adult = f.person("王强")
    client.force_login(adult.user)
    client.post("/p/evaluation_panels/me/volunteer/", {"occupation": "工人"})
    assert not Volunteer.objects.exists()
    minor = f.person("小明", birth=date(2012, 1, 1))
    client.force_login(minor.user)
    r = client.post("/api/v1/evaluation_panels/volunteers/me", {"occupation": "学生"}, content_type="application/json")
    assert r.status_code == 422 and "birth_date" in r.json()["fields"]
    assert not Volunteer.objects.exists()
