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


def test_a_citizen_without_a_recorded_residence_says_where_they_live_and_joins_that_district(client):
    """A citizen who registered their real name on /me/ has no place of residence on record: the
    page asks for the street where they live (it decides the district) instead of refusing."""
    from minsheng.regions.models import Region

    town = Region.objects.create(code="320707001", prefix="320707001", name="新浦街道", level="town",
                                 parent=f.district("320707"))
    person = f.person("周敏")
    person.residence_region = None
    person.save(update_fields=["residence_region"])
    client.force_login(person.user)
    page = client.get("/p/evaluation_panels/me/volunteer/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="residence_region"' in page and "新浦街道" in page
    refused = client.post("/p/evaluation_panels/me/volunteer/", {"occupation": "护士", "pledge": "on"},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 200 and not Volunteer.objects.exists()
    client.post("/p/evaluation_panels/me/volunteer/",
                {"residence_region": town.pk, "occupation": "护士", "pledge": "on"})
    assert Volunteer.objects.get(person=person).district.code == "320707"


def test_the_api_takes_the_street_code_and_refuses_one_outside_the_city(client):
    from minsheng.regions.models import Region

    Region.objects.create(code="320707001", prefix="320707001", name="新浦街道", level="town",
                          parent=f.district("320707"))
    person = f.person("吴刚")
    person.residence_region = None
    person.save(update_fields=["residence_region"])
    client.force_login(person.user)
    url = "/api/v1/evaluation_panels/volunteers/me"
    outside = client.post(url, {"residence_region": "110101001"}, content_type="application/json")
    assert outside.status_code == 422 and "residence_region" in outside.json()["fields"]
    missing = client.post(url, {}, content_type="application/json")
    assert missing.status_code == 422 and "residence_region" in missing.json()["fields"]
    joined = client.post(url, {"residence_region": "320707001"}, content_type="application/json")
    assert joined.status_code == 201 and Volunteer.objects.get(person=person).district.code == "320707"
