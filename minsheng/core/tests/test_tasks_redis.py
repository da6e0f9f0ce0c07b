"""Jobs on Redis: django-tasks' RQ backend beside the database one, chosen by TASKS_BACKEND.

Runs where ``REDIS_URL`` is set (the PostgreSQL CI pass: redis://127.0.0.1:6379/15). The job
really goes into a Redis list and an RQ worker (in this process, so it sees the test database)
takes it out and runs it.
"""

import os
import subprocess
import sys
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from rq import SimpleWorker

from minsheng.identity.models import User
from minsheng.notifications.models import Delivery, DeliveryState
from minsheng.notifications.services import notification_send

ROOT = Path(__file__).resolve().parents[3]

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL,
    reason="needs a Redis server: set REDIS_URL (the PostgreSQL CI pass sets redis://127.0.0.1:6379/15)",
)


@pytest.fixture
def rq_backend(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}
    }
    for name in settings.TASK_QUEUES:
        django_rq.get_queue(name).empty()
    yield task_backends["default"]
    for name in settings.TASK_QUEUES:
        django_rq.get_queue(name).empty()


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_notice_is_queued_in_redis_and_delivered_by_an_rq_worker(rq_backend):
    from minsheng.core import sms

    sms.outbox.clear()
    user = User.objects.create_user("rq", name="任务", phone="13800138077")
    notification_send(
        recipient=user, template="notifications.test", context={"name": "任务"},
        dedupe_key="rq-1", channels=["sms"],
    )
    queue = django_rq.get_queue("notifications")
    assert queue.count == 1  # in Redis, not run yet
    job_id = queue.job_ids[0]
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 0 and sms.outbox == []

    worker = django_rq.get_worker(
        "notifications", job_class="django_tasks_rq.Job", worker_class=SimpleWorker
    )
    assert worker.work(burst=True)
    assert queue.count == 0
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 1
    assert [m.phone for m in sms.outbox] == ["13800138077"]
    result = rq_backend.get_result(job_id)
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == "sent"
    sms.outbox.clear()


@needs_redis
def test_the_health_report_counts_the_redis_backlog(rq_backend, settings):
    from minsheng.core.health import task_backlog
    from minsheng.notifications.tasks import notification_retry_due_task

    settings.TASKS_BACKEND = "redis"
    assert task_backlog()[0] == 0
    notification_retry_due_task.enqueue()
    notification_retry_due_task.enqueue()
    waiting, age = task_backlog()
    assert waiting == 2 and 0 <= age < 60


def _settings_of(env_extra: dict, var_dir: Path) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MINSHENG_ENV": "development",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "MINSHENG_VAR_DIR": str(var_dir),
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )


def test_tasks_backend_is_chosen_by_the_environment(tmp_path):
    assert _settings_of({}, tmp_path).stdout.split()[-1] == "django_tasks_db.DatabaseBackend"
    chosen = _settings_of(
        {"TASKS_BACKEND": "redis", "REDIS_URL": "redis://127.0.0.1:6379/12"}, tmp_path
    )
    assert chosen.stdout.split()[-1] == "django_tasks_rq.RQBackend", chosen.stderr
    refused = _settings_of({"TASKS_BACKEND": "redis"}, tmp_path)
    assert refused.returncode != 0 and "TASKS_BACKEND=redis needs REDIS_URL" in refused.stderr
