import pytest

from minsheng.regions.services import regions_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lianyungang():
    regions_load(province="32", history=False)


def test_anyone_can_read_a_region(client):
    response = client.get("/api/v1/regions/320706")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["level"], body["parent_code"]) == ("海州区", "county", "320700")


def test_children_lists_the_current_counties_of_the_city(client):
    response = client.get("/api/v1/regions/320700/children")
    assert response.status_code == 200
    codes = [r["code"] for r in response.json()]
    assert codes == ["320703", "320706", "320707", "320722", "320723", "320724", "320771"]


def test_unknown_region_answers_404_in_the_error_shape(client):
    response = client.get("/api/v1/regions/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
