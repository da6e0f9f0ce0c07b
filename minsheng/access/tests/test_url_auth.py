"""Deny by default: every URL pattern's view declares who may open it (get.gov's test_url_auth)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace, p.callback


def declared_access(callback):
    for obj in (
        callback,
        getattr(callback, "view_class", None),
        getattr(callback, "__wrapped__", None),
    ):
        if obj is not None and getattr(obj, "minsheng_access", None):
            return obj.minsheng_access
    return None


def test_every_view_declares_its_access():
    undeclared = []
    for route, namespace, callback in walk(get_resolver().url_patterns):
        if namespace == "admin":
            continue  # the admin checks is_staff and model permissions itself
        if route.startswith(("i18n/", "media/", "static/")):
            continue
        if declared_access(callback) is None:
            undeclared.append(
                f"{route} -> {callback.__module__}.{getattr(callback, '__name__', callback)}"
            )
    assert not undeclared, "views without @public/@citizen/@staff:\n" + "\n".join(undeclared)


def test_public_views_are_exactly_the_ones_marked_public():
    for route, _ns, callback in walk(get_resolver().url_patterns):
        access = declared_access(callback)
        if access in ("citizen",) or (isinstance(access, tuple) and access[0] == "staff"):
            assert getattr(callback, "login_required", True) is not False, route


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_sign_in_from_a_citizen_page(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "minsheng API"


@pytest.mark.django_db
def test_health_endpoint_is_public_and_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True
