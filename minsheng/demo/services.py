"""Building the demo city: the foundation, then every program's generator in dependency order."""

import time
from collections.abc import Callable

from django.db import transaction

from minsheng.core.registry import registry
from minsheng.regions.models import Region
from minsheng.regions.services import regions_load

from . import foundation
from .context import DemoContext
from .geography import CITY_CODE
from .models import DemoRun

FOUNDATION = "foundation"
DEFAULT_SCALE = 0.01
DEFAULT_SEED = 20261126


def demo_parts() -> list[tuple[str, Callable, tuple[str, ...]]]:
    """(key, run, after) with the foundation first and each program after what it needs."""
    programs = {p.key: p.demo for p in registry.programs() if p.demo is not None}
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(key: str) -> None:
        if key in ordered or key not in programs:
            return
        if key in visiting:
            raise ValueError(f"demo generators depend on each other in a cycle at {key!r}")
        visiting.add(key)
        for dep in programs[key].after:
            visit(dep)
        visiting.discard(key)
        ordered.append(key)

    for key in programs:
        visit(key)
    return [(FOUNDATION, foundation.run, ())] + [
        (k, programs[k].generate, programs[k].after) for k in ordered
    ]


def demo_build(
    *,
    scale: float = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    only: list[str] | None = None,
    show_progress: bool = True,
    stream=None,
) -> dict[str, dict]:
    """Build the parts not built yet; returns {part: row counts} for those built now.

    A part is built in one transaction with its DemoRun marker, so a rerun
    skips it and a failure leaves nothing half-made. ``only`` limits the run
    to some parts (the foundation and declared dependencies come along).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not Region.objects.filter(code=CITY_CODE).exists():
        regions_load()
    parts = demo_parts()
    wanted = None
    if only:
        known = {k for k, _r, _a in parts}
        unknown = set(only) - known
        if unknown:
            raise ValueError(
                f"unknown demo part(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        deps = {k: a for k, _r, a in parts}
        wanted = {FOUNDATION}
        stack = list(only)
        while stack:
            key = stack.pop()
            if key not in wanted or key in only:
                wanted.add(key)
                stack.extend(d for d in deps.get(key, ()) if d not in wanted)
    root = DemoContext(scale=scale, seed=seed, show_progress=show_progress, stream=stream)
    done = {r.part: r for r in DemoRun.objects.all()}
    built: dict[str, dict] = {}
    for key, run, _after in parts:
        if wanted is not None and key not in wanted:
            continue
        ctx = root.for_part(key)
        if key in done:
            previous = done[key]
            ctx.log(f"already built (seed {previous.seed}, scale {previous.scale}); skipped")
            continue
        started = time.monotonic()
        try:
            with transaction.atomic():
                counts = run(ctx) or {}
                ctx.flush_people()
                DemoRun.objects.create(
                    part=key,
                    seed=seed,
                    scale=scale,
                    counts=counts,
                    seconds=round(time.monotonic() - started, 2),
                )
        finally:
            ctx.bar.close()
        ctx.log(
            f"built in {time.monotonic() - started:.1f} s: "
            + ", ".join(f"{v} {k}" for k, v in counts.items())
        )
        built[key] = counts
    from .accounts import accounts_build  # the accounts read the registry and every part's data

    accounts_build(root.for_part("accounts"))
    return built


def demo_is_built() -> bool:
    return DemoRun.objects.filter(part=FOUNDATION).exists()

