"""A small process supervisor for ``minsheng up``: start children, restart the ones that
die (with back-off), stop them all on Ctrl-C or SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 1.0
    next_start: float = field(default=0.0)


class Supervisor:
    def __init__(self, children: list[Child], *, cwd: str, log=print) -> None:
        self.children = children
        self.cwd = cwd
        self.log = log
        self.stopping = False

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, cwd=self.cwd, env=os.environ.copy())
        child.started_at = time.monotonic()
        self.log(f"started {child.name} (pid {child.process.pid})")

    def _on_signal(self, signum, frame) -> None:
        self.stopping = True

    def start(self) -> None:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        for child in self.children:
            self._start(child)

    def run(self, poll: float = 0.5) -> None:
        """Watch until told to stop; then stop every child."""
        try:
            while not self.stopping:
                now = time.monotonic()
                for child in self.children:
                    proc = child.process
                    if proc is not None and proc.poll() is not None:
                        lived = now - child.started_at
                        # A child that keeps dying at once waits longer each time (max 30 s).
                        child.backoff = 1.0 if lived > 30 else min(child.backoff * 2, 30.0)
                        child.next_start = now + child.backoff
                        self.log(
                            f"{child.name} exited with {proc.returncode}; "
                            f"restarting in {child.backoff:.0f} s"
                        )
                        child.process = None
                    if child.process is None and now >= child.next_start:
                        child.restarts += 1
                        self._start(child)
                time.sleep(poll)
        finally:
            self.stop()

    def stop(self, timeout: float = 10.0) -> None:
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in running:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        if running:
            self.log("stopped " + ", ".join(c.name for c in running))
        sys.stdout.flush()
