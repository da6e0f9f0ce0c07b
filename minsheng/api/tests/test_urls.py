import pytest

from minsheng.api.main import api


def _flat():
    patterns, _app, _namespace = api.urls
    return patterns


def test_api_url_names_are_unique():
    # Two routes under one name reverse to whichever Django meets first.
    names = [p.name for p in _flat() if p.name]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.django_db
def test_an_api_route_answers_in_the_error_shape(client):
    response = client.get("/api/v1/service_halls/tickets/no-such-token")
    assert response.status_code == 404
    assert response.json()["code"]
