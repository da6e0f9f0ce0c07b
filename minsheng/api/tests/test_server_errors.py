"""A fault of ours answers in the error shape and keeps its traceback in the server's log."""

import logging

import pytest
from django.urls import get_resolver

from minsheng.identity.models import User
from minsheng.notifications import api as notifications_api

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [True, False])
def test_an_unforeseen_error_returns_the_error_shape_without_a_traceback(
    client, settings, monkeypatch, caplog, debug
):
    assert get_resolver().url_patterns  # the URLconf is read once: not under this DEBUG
    settings.DEBUG = debug
    user = User.objects.create_user("li", name="李四")
    client.force_login(user)

    def broken(*, user):
        raise RuntimeError("secret detail of the server")

    monkeypatch.setattr(notifications_api, "notifications_for", broken)
    with caplog.at_level(logging.ERROR, logger="minsheng.api"):
        response = client.get("/api/v1/notifications/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "server_error" and body["fields"] == {} and body["message"]
    assert b"Traceback" not in response.content and b"secret detail" not in response.content
    # the server keeps the whole story
    assert any("secret detail of the server" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_offsets_and_ids_beyond_64_bits_are_client_errors(client):
    user = User.objects.create_user("wang", name="王五")
    client.force_login(user)
    for url in (f"/api/v1/notifications/?offset={2**64}", f"/api/v1/cases/mine?offset={2**70}",
                f"/api/v1/cases/{2**64}", f"/api/v1/notifications/{2**64}/read",
                f"/api/v1/service_halls/windows/{2**70}/recall"):
        response = client.get(url) if "/read" not in url and "recall" not in url else client.post(
            url, {"ticket": 1}, content_type="application/json")
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert response.json()["code"] in ("not_found", "invalid")
    r = client.post("/api/v1/service_halls/windows/1/recall", {"ticket": 2**64}, content_type="application/json")
    assert r.status_code == 422 and list(r.json()["fields"]) == ["ticket"]


def test_a_nul_character_anywhere_in_the_input_is_refused_naming_the_field(client):
    user = User.objects.create_user("zhao", name="赵六")
    client.force_login(user)
    r = client.get("/api/v1/enterprise_startup/names/check",
                   {"region": "320706", "trade_name": "云\x00帆", "industry": "科技", "org_form": "有限公司"})
    assert r.status_code == 422 and list(r.json()["fields"]) == ["trade_name"]
    body = {"region": "320706", "trade_name": "云帆", "industry": "科技", "org_form": "有限公司",
            "extra": [{"deep": "a\x00b"}]}
    r = client.post("/api/v1/enterprise_startup/drafts", body, content_type="application/json")
    assert r.status_code == 422 and list(r.json()["fields"]) == ["extra.0.deep"]
    r = client.post("/api/v1/enterprise_startup/drafts", '{"a": ', content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
