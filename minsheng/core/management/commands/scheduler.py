"""The periodic runner: every few seconds, enqueue the periodic tasks that are due.

``manage.py scheduler`` runs beside ``manage.py db_worker`` (the demo's
``minsheng up`` starts both). Periodic tasks are registered in
minsheng.core.periodic by the apps (cases registers the SLA check).
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand

from minsheng.core import periodic

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue periodic tasks (SLA checks, program jobs) as they fall due."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="enqueue every task once and exit")

    def handle(self, *args, tick, once, **options):
        if once:
            for name in periodic.run_due(force=True):
                self.stdout.write(f"enqueued {name}")
            return
        stop = {"flag": False}

        def request_stop(*_args):
            stop["flag"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"scheduler: {len(periodic.registered())} periodic tasks, tick {tick}s")
        while not stop["flag"]:
            for name in periodic.run_due():
                logger.info("scheduler enqueued %s", name)
            time.sleep(tick)
