"""``minsheng up``: set up and run the demo city in one command.

migrate → compile catalogues → load regions (if empty) → build the demo
city (if not built) → collect static files → print the demo sign-ins →
start and supervise the web server (granian, WSGI), the task worker and the
scheduler — and, when configured, the live-screen server (granian, ASGI, on
``ASGI_PORT``) and the MQTT listener (``MQTT_URL``). Running it again reuses
everything that exists. Production runs the same processes under systemd
(deploy/systemd/, docs/deploy.md).
"""

import shutil
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from minsheng.demo.accounts import accounts_table, accounts_write
from minsheng.demo.services import DEFAULT_SCALE, DEFAULT_SEED, demo_build, demo_is_built
from minsheng.demo.supervisor import Child, Supervisor
from minsheng.regions.models import Region


class Command(BaseCommand):
    help = "Set up the demo city and serve it: web server, task worker and scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="web server processes")
        parser.add_argument(
            "--threads", type=int, default=2,
            help="threads per web server process; each holds a database connection, so "
            "workers × threads must stay under the database's connection limit",
        )
        parser.add_argument("--scale", type=float, default=DEFAULT_SCALE)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--no-serve", action="store_true", help="set up, print, and exit")
        parser.add_argument(
            "--asgi-port", type=int, default=settings.ASGI_PORT,
            help="also serve live screens (server-sent events) under ASGI on this port (0: not)",
        )

    def step(self, message: str) -> float:
        self.stdout.write(f"· {message}")
        self.stdout.flush()
        return time.monotonic()

    def handle(
        self, *args, host, port, workers, scale, seed, no_serve=False, threads=2, asgi_port=0,
        **options,
    ):
        started = time.monotonic()
        self.step("migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        if "compile_catalogues" in get_commands():
            self.step("compiling translations")
            call_command("compile_catalogues", verbosity=0)
        if not Region.objects.exists():
            self.step("loading China's divisions")
            call_command("load_regions", verbosity=0)
        if not demo_is_built():
            self.step(f"building the demo city (scale {scale}, seed {seed})")
            demo_build(scale=scale, seed=seed, stream=self.stderr)
        self.step("collecting static files")
        call_command("collectstatic", interactive=False, verbosity=0)
        accounts_write()
        self.print_logins(host, port)
        self.stdout.write(f"set up in {time.monotonic() - started:.1f} s")
        if no_serve:
            return
        self.serve(host, port, workers, threads, asgi_port=asgi_port)

    def print_logins(self, host: str, port: int) -> None:
        self.stdout.write("")
        self.stdout.write(accounts_table())
        self.stdout.write(f"Open http://{host}:{port}/  — stop with Ctrl-C.")
        self.stdout.write("")

    def serve(self, host: str, port: int, workers: int, threads: int = 2, *, asgi_port: int = 0) -> None:
        base = Path(settings.BASE_DIR)
        supervisor = Supervisor(
            process_set(host=host, port=port, workers=workers, threads=threads, asgi_port=asgi_port),
            cwd=str(base),
            log=lambda m: self.stdout.write(f"· {m}"),
        )
        supervisor.start()
        self.wait_until_serving(host, port)
        if asgi_port:
            self.stdout.write(f"· live screens (hall displays) on http://{host}:{asgi_port}/")
        supervisor.run()

    def wait_until_serving(self, host: str, port: int, timeout: float = 30.0) -> None:
        url = f"http://{host}:{port}/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        self.stdout.write(f"· serving on http://{host}:{port}/")
                        return
            except OSError:
                time.sleep(0.3)
        self.stderr.write(f"the web server did not answer {url} within {timeout:.0f} s")


def granian_command() -> str:
    bindir = Path(sys.executable).parent
    return str(bindir / "granian") if (bindir / "granian").exists() else shutil.which("granian")


def process_set(*, host: str, port: int, workers: int, threads: int, asgi_port: int = 0) -> list[Child]:
    """The platform's processes, as production runs them (deploy/systemd/ has one unit each)."""
    base = Path(settings.BASE_DIR)
    manage = [sys.executable, str(base / "manage.py")]
    commands = get_commands()
    granian = granian_command()
    children = [
        Child(
            "web",
            [
                granian, "--interface", "wsgi", "--host", host, "--port", str(port),
                "--workers", str(workers),
                # granian's default for WSGI is 128 threads per process, each keeping its
                # own persistent connection: a burst opened more than PostgreSQL's 100.
                "--blocking-threads", str(threads),
                # a worker that dies is replaced; the others keep serving meanwhile
                "--respawn-failed-workers", "--respawn-interval", "1",
                "--no-ws", "--working-dir", str(base), "config.wsgi:application",
            ],
        )
    ]
    if asgi_port:
        # Live screens hold one connection each for up to an hour: an event loop, not threads.
        children.append(
            Child(
                "live",
                [
                    granian, "--interface", "asgi", "--host", host, "--port", str(asgi_port),
                    "--workers", "1", "--respawn-failed-workers", "--no-ws",
                    "--working-dir", str(base), "config.asgi:application",
                ],
            )
        )
    if settings.TASKS_BACKEND == "redis":
        children.append(
            Child(
                "worker",
                [*manage, "rqworker", "--job-class", "django_tasks_rq.Job", *settings.TASK_QUEUES],
            )
        )
    elif "db_worker" in commands:
        # Every queue: SLA checks, notifications and imports have their own.
        children.append(Child("worker", [*manage, "db_worker", "--queue-name", "*"]))
    if "scheduler" in commands:
        children.append(Child("scheduler", [*manage, "scheduler"]))
    if settings.MQTT_URL and "elderly_care_mqtt" in commands:
        children.append(Child("mqtt", [*manage, "elderly_care_mqtt"]))
    return children
