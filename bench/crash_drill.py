"""Crash drill: one web worker is killed under load; the others keep serving and it is respawned.

    .venv/bin/python bench/crash_drill.py [--workers 2] [--clients 8] [--seconds 12]
        [--kill-after 4] [--path /healthz] [--database-url sqlite:///…]

Starts the WSGI server as deployed (`granian --interface wsgi --respawn-failed-workers`) on a
free 127.0.0.1 port, drives it with `--clients` threads (a new connection per request, so a
refused connection would show), SIGKILLs one worker after `--kill-after` seconds and prints:
requests, answered 2xx, refused connections (goal 0), requests cut on the killed worker, other
errors, p50/p99 ms, and how long granian took to have all its workers again. Loopback only,
bounded by `--seconds`.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return sorted(int(p) for p in out.split())


def start_server(*, port: int, workers: int, env: dict) -> subprocess.Popen:
    granian = Path(sys.executable).parent / "granian"
    return subprocess.Popen(
        [
            str(granian), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--blocking-threads", "2",
            "--respawn-failed-workers", "--respawn-interval", "1",
            "--no-ws", "--working-dir", str(ROOT), "config.wsgi:application",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_ready(port: int, path: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not answer {path}")


def drill(
    *, workers: int = 2, clients: int = 8, seconds: float = 12.0, kill_after: float = 4.0,
    path: str = "/healthz", env_extra: dict | None = None,
) -> dict:
    port = free_port()
    with tempfile.TemporaryDirectory() as var:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "MINSHENG_ENV": "development",
            "DJANGO_DEBUG": "false",
            "MINSHENG_VAR_DIR": var,
            "DATABASE_URL": f"sqlite:///{var}/drill.sqlite3",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            **(env_extra or {}),
        }
        server = start_server(port=port, workers=workers, env=env)
        try:
            wait_ready(port, path)
            deadline = time.monotonic() + 30
            while len(children_of(server.pid)) < workers and time.monotonic() < deadline:
                time.sleep(0.2)
            before = children_of(server.pid)
            counts = {"requests": 0, "ok": 0, "refused": 0, "cut": 0, "other": 0}
            latencies: list[float] = []
            lock = threading.Lock()
            stop = time.monotonic() + seconds

            def client() -> None:
                while time.monotonic() < stop:
                    started = time.monotonic()
                    outcome = "ok"
                    try:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                        conn.request("GET", path)
                        response = conn.getresponse()
                        response.read()
                        conn.close()
                        if response.status >= 500:
                            outcome = "other"
                    except ConnectionRefusedError:
                        outcome = "refused"
                    except (ConnectionResetError, http.client.RemoteDisconnected, http.client.IncompleteRead,
                            BrokenPipeError):
                        # in flight on the killed worker (cut mid-response), or queued at its socket
                        # as it exited
                        outcome = "cut"
                    except OSError:
                        outcome = "other"
                    with lock:
                        counts["requests"] += 1
                        counts[outcome] += 1
                        if outcome == "ok":
                            latencies.append((time.monotonic() - started) * 1000)

            threads = [threading.Thread(target=client) for _ in range(clients)]
            for t in threads:
                t.start()
            time.sleep(kill_after)
            victim = before[0]
            os.kill(victim, signal.SIGKILL)
            killed_at = time.monotonic()
            respawn_seconds = None
            while time.monotonic() < stop + 10:
                now_children = children_of(server.pid)
                if len(now_children) >= workers and victim not in now_children:
                    respawn_seconds = round(time.monotonic() - killed_at, 2)
                    break
                time.sleep(0.05)
            for t in threads:
                t.join()
            after = children_of(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    latencies.sort()
    return {
        **counts,
        "workers": workers,
        "clients": clients,
        "seconds": seconds,
        "killed_pid": victim,
        "workers_before": len(before),
        "workers_after": len(after),
        "respawned_in_s": respawn_seconds,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1) if latencies else None,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--kill-after", type=float, default=4.0)
    parser.add_argument("--path", default="/healthz")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()
    env_extra = {"DATABASE_URL": args.database_url} if args.database_url else {}
    result = drill(
        workers=args.workers, clients=args.clients, seconds=args.seconds,
        kill_after=args.kill_after, path=args.path, env_extra=env_extra,
    )
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
