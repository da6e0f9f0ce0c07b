import re

import pytest
from django.urls import resolve, reverse
from django.urls.resolvers import RoutePattern, URLResolver

from minsheng.api.main import api, urlpatterns_by_module


def _sample_path(route: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "7", route)


def _view(match) -> str:
    # api.urls builds its views afresh on each call: compare what they are, not identity
    # (through the 64-bit path guard, which wraps each view)
    func = getattr(match.func, "__wrapped__", match.func)
    func = getattr(func, "func", func)
    return f"{func.__module__}.{func.__qualname__}"


def _flat():
    patterns, _app, _namespace = api.urls
    return patterns


def test_every_api_route_resolves_as_in_the_flat_list_and_reverses_to_the_same_path():
    flat = _flat()
    flat_resolver = URLResolver(RoutePattern("api/v1/"), flat)
    checked = 0
    for pattern in flat:
        route = pattern.pattern._route
        path = "/api/v1/" + _sample_path(route)
        want, got = flat_resolver.resolve(path[1:]), resolve(path)
        assert (_view(got), got.kwargs, got.url_name, got.route) == (_view(want), want.kwargs, want.url_name, "api/v1/" + want.route), path
        if pattern.name:
            kwargs = {name: "7" for name in re.findall(r"<(?:\w+:)?(\w+)>", route)}
            assert reverse(f"api:{pattern.name}", kwargs=kwargs) == path
        checked += 1
    assert checked == len(flat) > 100


def test_api_url_names_are_unique():
    # Two routes under one name reverse to whichever Django meets first.
    names = [p.name for p in _flat() if p.name]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_routes_are_grouped_by_module_so_a_path_tries_only_its_own_modules_routes():
    grouped = urlpatterns_by_module(_flat())
    heads = [str(p.pattern) for p in grouped if isinstance(p, URLResolver)]
    assert "service_halls/" in heads and "after_school/" in heads
    assert len(heads) == len(set(heads))  # one include per module
    assert len(grouped) < 25


def test_nothing_is_grouped_when_a_first_segment_takes_a_parameter():
    from django.urls import path

    def view(request):
        return None

    patterns = [path("a/x", view, name="ax"), path("<slug>/y", view, name="y"), path("a/z", view, name="az")]
    assert urlpatterns_by_module(patterns) == patterns


@pytest.mark.django_db
def test_a_grouped_route_still_answers(client):
    response = client.get("/api/v1/service_halls/tickets/no-such-token")
    assert response.status_code == 404
    assert response.json()["code"]
