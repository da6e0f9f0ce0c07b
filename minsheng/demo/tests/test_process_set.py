"""``minsheng up``'s process set, and the crash drill: a web worker killed under load costs only
its own in-flight requests — no connection is refused and granian respawns it."""

import importlib.util
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from minsheng.demo.management.commands.up import process_set

ROOT = Path(__file__).resolve().parents[3]


def _argv(children, name):
    return next(c.argv for c in children if c.name == name)


def test_default_process_set_is_web_worker_and_scheduler(settings):
    settings.TASKS_BACKEND = "database"
    settings.MQTT_URL = ""
    children = process_set(host="127.0.0.1", port=8000, workers=2, threads=2)
    assert [c.name for c in children] == ["web", "worker", "scheduler"]
    web = _argv(children, "web")
    assert "--respawn-failed-workers" in web and "config.wsgi:application" in web
    assert "db_worker" in _argv(children, "worker")


def test_configured_process_set_adds_live_screens_mqtt_and_the_redis_worker(settings):
    settings.TASKS_BACKEND = "redis"
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    children = process_set(host="127.0.0.1", port=8000, workers=2, threads=2, asgi_port=8001)
    assert [c.name for c in children] == ["web", "live", "worker", "scheduler", "mqtt"]
    live = _argv(children, "live")
    assert live[live.index("--interface") + 1] == "asgi" and "config.asgi:application" in live
    assert live[live.index("--port") + 1] == "8001"
    worker = _argv(children, "worker")
    assert worker[2:5] == ["rqworker", "--job-class", "django_tasks_rq.Job"]
    assert set(worker[5:]) == set(settings.TASK_QUEUES)
    assert _argv(children, "mqtt")[2] == "elderly_care_mqtt"


def test_the_live_screen_server_answers_under_asgi(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    live = _argv(process_set(host="127.0.0.1", port=0, workers=1, threads=1, asgi_port=port), "live")
    env = {
        "PATH": "/usr/bin:/bin",  # granian is named by its full path
        "MINSHENG_ENV": "development",
        "DJANGO_DEBUG": "false",
        "MINSHENG_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}",
    }
    server = subprocess.Popen(live, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    body = r.read().decode()
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert '"database": {"ok": true' in body
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:  # a loaded machine: stop waiting for a graceful exit
            server.kill()
            server.wait(15)


def test_crash_drill_one_worker_killed_under_load_refuses_no_connection():
    spec = importlib.util.spec_from_file_location("crash_drill", ROOT / "bench" / "crash_drill.py")
    crash_drill = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(crash_drill)
    result = crash_drill.drill(workers=2, clients=4, seconds=6, kill_after=2)
    print(result)
    assert result["refused"] == 0
    assert result["ok"] > 0 and result["other"] == 0
    assert result["workers_after"] == 2 and result["respawned_in_s"] is not None
    # Only the killed worker's own requests are lost: those in flight on it, and those the
    # kernel had queued at its socket while it exited — a few per client, not a share of all.
    assert result["cut"] <= 3 * result["clients"]
