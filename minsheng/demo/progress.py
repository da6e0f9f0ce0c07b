"""One progress bar per part of the demo city.

On a terminal each part shows one bar, reused by every step of the part (the
step's name in front) and cleared when the part ends, so the printed accounts
stay readable. Off a terminal (a log, CI) nothing is drawn: the part prints
its one "built in … s" line when done.
"""

import sys

from tqdm import tqdm


class PartProgress:
    def __init__(self, part: str, *, stream=None, enabled: bool = True) -> None:
        self.part = part
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.enabled = enabled and isatty()
        self._bar = None
        self._depth = 0

    def _ensure(self):
        if self._bar is None:
            self._bar = tqdm(
                total=0, desc=self.part, file=self.stream, mininterval=0.5, leave=False, dynamic_ncols=True
            )
        return self._bar

    def track(self, iterable, *, total: int | None = None, label: str = ""):
        """Iterate, showing ``label`` and how far along on the part's one bar."""
        if not self.enabled or self._depth:
            yield from iterable
            return
        if total is None and hasattr(iterable, "__len__"):
            total = len(iterable)
        bar = self._ensure()
        bar.reset(total=total)
        bar.set_description_str(f"{self.part}: {label}" if label else self.part, refresh=False)
        self._depth += 1
        try:
            for item in iterable:
                yield item
                bar.update()
        finally:
            self._depth -= 1
        bar.refresh()

    def step(self, label: str) -> None:
        """Name what the part is doing now (on the bar; nothing off a terminal)."""
        if self.enabled:
            self._ensure().set_description_str(f"{self.part}: {label}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
