"""/healthz, /metrics and the structured log lines of a running site."""

import json
import logging

import pytest
from django.test import Client

from minsheng.core import health


@pytest.mark.django_db
def test_healthz_reports_each_check_and_503_when_the_cache_fails(client, monkeypatch):
    ok = client.get("/healthz").json()
    assert ok["status"] == "ok", ok
    assert {"database", "cache", "tasks"} <= set(ok["checks"])
    assert ok["checks"]["tasks"]["detail"].startswith("0 waiting")

    def broken_set(*args, **kwargs):
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(health.cache, "set", broken_set)
    failing = client.get("/healthz")
    assert failing.status_code == 503
    assert failing.json()["checks"]["cache"] == {
        "ok": False, "ms": failing.json()["checks"]["cache"]["ms"],
        "detail": "ConnectionError: cache server gone", "critical": True,
    }


@pytest.mark.django_db
def test_an_old_task_backlog_is_degraded_but_keeps_the_node_in_service(client, settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.HEALTH_TASK_BACKLOG_SECONDS = 60
    settings.TASKS_BACKEND = "database"
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="minsheng.notifications.tasks.notification_retry_due_task",
        queue_name="notifications", backend_name="default", run_after=timezone.now(),
    )
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "degraded"
    assert answer.json()["checks"]["tasks"]["detail"].startswith("1 waiting, oldest 6")


@pytest.mark.django_db
def test_healthz_checks_redis_and_the_mqtt_broker_when_configured(client, settings):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    settings.MQTT_URL = f"mqtt://127.0.0.1:{dead}"
    settings.REDIS_URL = f"redis://127.0.0.1:{dead}/0"
    answer = client.get("/healthz")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["mqtt"]["ok"] is False and checks["redis"]["ok"] is False


@pytest.mark.django_db
def test_metrics_are_served_to_the_scraper_only(client):
    client.get("/healthz")
    scraped = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert scraped.status_code == 200
    assert "django_http_requests_total_by_view_transport_method_total" in scraped.content.decode()
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


@pytest.mark.django_db
def test_behind_the_trusted_proxy_the_client_address_comes_from_x_forwarded_for(client, settings):
    from django.test import RequestFactory

    from minsheng.core.middleware import client_ip

    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]
    via_nginx = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9"
    )
    assert client_ip(via_nginx) == "203.0.113.9"  # the hop nginx saw; the left one is the client's claim
    direct = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert client_ip(direct) == "198.51.100.7"  # a forged header from outside is ignored
    # /metrics through the proxy is the public's request, not the scraper's
    assert client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    ).status_code == 404


@pytest.mark.django_db
def test_json_log_lines_carry_the_request_id(settings, caplog):
    import io

    from django.utils.module_loading import import_string

    from minsheng.core.logs import RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    formatter = settings.LOGGING["formatters"]["json"]
    handler.setFormatter(
        import_string(formatter["()"])(fmt=formatter["fmt"], rename_fields=formatter["rename_fields"])
    )
    access = logging.getLogger("minsheng.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        response = Client().get("/healthz", HTTP_X_REQUEST_ID="req-from-nginx-42")
    finally:
        access.removeHandler(handler)
        access.setLevel(logging.NOTSET)
    assert response["X-Request-ID"] == "req-from-nginx-42"
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "req-from-nginx-42"
    assert line["level"] == "INFO" and line["logger"] == "minsheng.access"
    assert line["path"] == "/healthz" and line["status"] == 200 and line["ms"] >= 0
