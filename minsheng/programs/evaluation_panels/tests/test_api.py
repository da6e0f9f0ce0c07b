"""The API: public results, member check-in and scoring with the error shape, organiser close."""

import pytest

from .. import services
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
BASE = "/api/v1/evaluation_panels"


@pytest.fixture
def ev():
    f.pool(per_stratum=3)
    return f.drawn_evaluation(f.project(), size=4)


def test_member_scores_through_the_api_and_refusals_use_the_error_shape(client, ev):
    seat = ev.seats.select_related("volunteer__person__user").first()
    client.force_login(seat.volunteer.person.user)
    scores = {str(c.id): 7 for c in ev.rubric.criteria.all()}
    r = client.post(f"{BASE}/evaluations/{ev.id}/scorecard", {"overall": "satisfied", "scores": scores}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden" and "Check in first" in r.json()["message"]
    r = client.post(f"{BASE}/checkin", {"token": services.checkin_token(evaluation=ev)}, content_type="application/json")
    assert r.status_code == 200 and r.json()["checked_in"] is True
    r = client.post(f"{BASE}/evaluations/{ev.id}/scorecard", {"overall": "satisfied", "scores": scores}, content_type="application/json")
    assert r.status_code == 201
    r = client.post(f"{BASE}/evaluations/{ev.id}/scorecard", {"overall": "satisfied", "scores": scores}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "duplicate"
    assert client.get(f"{BASE}/me/seats").json()[0]["has_scored"] is True


def test_organiser_closes_and_the_public_reads_the_result(client, ev):
    f.all_score(ev, ["satisfied", "satisfied", "basic", "satisfied"])
    client.force_login(f.user("市民"))
    assert client.post(f"{BASE}/evaluations/{ev.id}/close").status_code == 403
    client.force_login(f.staff_user("panel_organiser"))
    r = client.post(f"{BASE}/evaluations/{ev.id}/close")
    assert r.status_code == 200 and r.json()["grade"] == "satisfied" and r.json()["status"] == "graded"
    assert client.get(f"{BASE}/projects/{ev.project_id}").json()["results"] == []  # not public yet
    r = client.post(f"{BASE}/evaluations/{ev.id}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert client.post(f"{BASE}/evaluations/{ev.id}/publish").status_code == 409
    client.logout()
    r = client.get(f"{BASE}/projects/{ev.project_id}")
    body = r.json()
    assert r.status_code == 200 and body["grade"] == "satisfied"
    assert body["results"][0]["satisfied_count"] == 3 and body["results"][0]["draw_key"] == ev.draw.key
    assert client.get(f"{BASE}/projects").json()[0]["id"] == ev.project_id
    assert client.get(f"{BASE}/projects/999999").status_code == 404
