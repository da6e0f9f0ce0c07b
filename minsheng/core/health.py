"""What /healthz checks: the database, the cache, the brokers (Redis, MQTT) and the task backlog.

Each check returns a ``Check``; a failing database, cache or broker makes the
whole report ``error`` (HTTP 503: the load balancer takes the node out). A
backlog older than ``HEALTH_TASK_BACKLOG_SECONDS`` makes it ``degraded``
(HTTP 200: the web node itself is fine; monitoring alerts on the status).
"""

import socket
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone


@dataclass
class Check:
    name: str
    ok: bool
    ms: float
    detail: str = ""
    critical: bool = True


def _timed(name: str, probe, *, critical: bool = True) -> Check:
    started = time.monotonic()
    try:
        ok, detail = probe()
    except Exception as exc:  # noqa: BLE001 - reporting any failure is the point
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:200]
    return Check(name, ok, round((time.monotonic() - started) * 1000, 1), detail, critical)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def _cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return ok, "" if ok else "value written was not read back"


def _redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping()), ""
    finally:
        client.close()


def _mqtt():
    parsed = urlparse(settings.MQTT_URL)
    with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 1883), timeout=2):
        return True, ""


def task_backlog() -> tuple[int, float]:
    """(tasks waiting to run now, age in seconds of the oldest of them) on the configured backend."""
    now = timezone.now()
    if settings.TASKS_BACKEND == "redis":
        import django_rq

        waiting, oldest = 0, None
        for name in settings.TASK_QUEUES:
            queue = django_rq.get_queue(name)
            waiting += queue.count
            jobs = queue.get_jobs(0, 1)
            if jobs and jobs[0].enqueued_at:
                enqueued = jobs[0].enqueued_at
                if timezone.is_naive(enqueued):
                    enqueued = enqueued.replace(tzinfo=UTC)
                oldest = enqueued if oldest is None else min(oldest, enqueued)
    else:
        from django_tasks_db.models import DBTaskResult

        ready = DBTaskResult.objects.ready()
        waiting = ready.count()
        first = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        oldest = first
    age = (now - oldest).total_seconds() if oldest else 0.0
    return waiting, max(age, 0.0)


def _backlog():
    waiting, age = task_backlog()
    limit = timedelta(seconds=settings.HEALTH_TASK_BACKLOG_SECONDS).total_seconds()
    return age <= limit, f"{waiting} waiting, oldest {age:.0f} s"


def health_report() -> tuple[str, list[Check]]:
    checks = [_timed("database", _database), _timed("cache", _cache)]
    if settings.REDIS_URL:
        checks.append(_timed("redis", _redis))
    if settings.MQTT_URL:
        checks.append(_timed("mqtt", _mqtt))
    if checks[0].ok:
        checks.append(_timed("tasks", _backlog, critical=False))
    if any(not c.ok and c.critical for c in checks):
        status = "error"
    elif any(not c.ok for c in checks):
        status = "degraded"
    else:
        status = "ok"
    return status, checks


def as_json(status: str, checks: list[Check]) -> dict:
    return {
        "status": status,
        "checks": {c.name: {k: v for k, v in asdict(c).items() if k != "name"} for c in checks},
    }
