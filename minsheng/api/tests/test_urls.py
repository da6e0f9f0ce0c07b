"""The API's URL patterns, grouped by router (minsheng.api.main.urls_by_router), resolve
and reverse exactly as ninja's flat list — same view, name, namespace, arguments and
path — and keep the attributes config/urls.py sets on them."""

import functools
import inspect
import re
import types

import pytest
from django.urls import (
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    path,
    resolve,
    reverse,
)

from minsheng.api.main import api

# ninja's list as it comes, mounted where config/urls.py mounts the grouped one.
FLAT = types.ModuleType("flat_api_urls")
FLAT.urlpatterns = [path("api/v1/", api.urls)]
FLAT_PATTERNS = FLAT.urlpatterns[0].url_patterns

SAMPLES = {
    None: "x7",
    "str": "x7",
    "int": "7",
    "slug": "x-7",
    "path": "x/7",
    "uuid": "12345678-1234-5678-1234-567812345678",
}
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _sample(route: str) -> str:
    return PARAM.sub(lambda m: SAMPLES[m["converter"]], route)


def _view(callback):
    """What a callback dispatches to: each call of api.urls wraps the same ninja
    PathView (or partial of the same function) in a new function."""
    if isinstance(callback, functools.partial):
        return callback.func, tuple(sorted((k, id(v)) for k, v in callback.keywords.items()))
    return inspect.getclosurevars(callback).nonlocals["self"]


def _mounted(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _mounted(p.url_patterns, prefix + str(p.pattern))
        else:
            assert isinstance(p, URLPattern)
            yield prefix + str(p.pattern), p.name, p


def _api_resolver():
    (mount,) = [p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/"]
    return mount


def test_api_patterns_are_grouped_by_router():
    top = _api_resolver().url_patterns
    groups = {str(p.pattern) for p in top if isinstance(p, URLResolver)}
    assert {"service_halls/", "after_school/", "identity/"} <= groups
    # One entry per router plus the docs, the schema and the root, not one per route.
    assert len(top) <= len(groups) + 3 < len(FLAT_PATTERNS) / 4


def test_every_api_route_is_mounted_once_with_its_name():
    flat = sorted((str(p.pattern), p.name) for p in FLAT_PATTERNS)
    mounted = sorted((route, name) for route, name, _p in _mounted(_api_resolver().url_patterns))
    assert mounted == flat


@pytest.mark.parametrize("pattern", FLAT_PATTERNS, ids=lambda p: f"{p.name}:{p.pattern}")
def test_api_route_resolves_to_the_same_view_as_the_flat_list(pattern):
    url = "/api/v1/" + _sample(str(pattern.pattern))
    expected, got = resolve(url, urlconf=FLAT), resolve(url)
    assert _view(got.func) == _view(expected.func)
    assert (got.url_name, got.namespace, got.app_name, got.route, got.args, got.kwargs) == (
        expected.url_name,
        expected.namespace,
        expected.app_name,
        expected.route,
        expected.args,
        expected.kwargs,
    )
    assert got.namespace == "api"
    assert got.func.login_required is False and got.func.minsheng_access == "api"


@pytest.mark.parametrize(
    "url", ["/api/v1/service_halls/nope", "/api/v1/nope/1", "/api/v1/ratings", "/api/v1/docs/"]
)
def test_unknown_api_path_resolves_to_nothing_as_before(url):
    with pytest.raises(Resolver404):
        resolve(url, urlconf=FLAT)
    with pytest.raises(Resolver404):
        resolve(url)


@pytest.mark.parametrize("pattern", FLAT_PATTERNS, ids=lambda p: f"{p.name}:{p.pattern}")
def test_api_name_reverses_to_the_same_path_as_the_flat_list(pattern):
    # The pattern's own arguments (another pattern may resolve its sample path first).
    kwargs = pattern.resolve(_sample(str(pattern.pattern))).kwargs
    name = f"api:{pattern.name}"
    assert reverse(name, kwargs=kwargs) == reverse(name, kwargs=kwargs, urlconf=FLAT)


@pytest.mark.django_db
def test_openapi_document_is_served_with_every_route(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    documented = set(response.json()["paths"])
    routes = {
        "/api/v1/" + PARAM.sub(lambda m: "{" + m["name"] + "}", str(p.pattern))
        for p in FLAT_PATTERNS
        if p.name not in ("openapi-json", "openapi-view", "api-root")
    }
    assert documented == routes
    assert client.get("/api/v1/docs").status_code == 200
