"""How a program declares an import: columns, parsers, and how to save.

    from minsheng.imports.base import Column, Importer, parsers, register_importer

    register_importer(Importer(
        key="after_school.students",
        title=_("students"),
        columns=[
            Column("name", ("姓名", "name"), parsers.text(max_length=100)),
            Column("grade", ("年级", "grade"), parsers.integer(min_value=1, max_value=9)),
        ],
        natural_key=("name",),
        save_rows=save_students,   # (rows: list[dict], job) -> None, bulk writes, idempotent
        roles=("school_admin",),
    ))

A parser takes the raw cell value (str from CSV; str, int, float, date or
datetime from XLSX) and returns the clean value or raises ValidationFailed
with a translated message that tells the user how to fix the cell.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from minsheng.core.registry import registry

from . import parsers  # noqa: F401 - part of the public surface


@dataclass(frozen=True)
class Column:
    key: str
    names: tuple[str, ...]  # accepted header texts, Chinese and English
    parse: Callable[[Any], Any] = str
    required: bool = True

    @property
    def label(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Importer:
    key: str
    title: Any
    columns: Sequence[Column]
    save_rows: Callable[[list[dict], Any], Any]
    natural_key: tuple[str, ...] = ()
    # True: any invalid row stops the whole import and nothing is written.
    all_or_nothing: bool = False
    chunk_size: int = 1000
    roles: tuple[str, ...] = ("admin",)
    validate_row: Callable[[dict], None] | None = None  # cross-column checks
    # Columns whose equal values tie rows together (the same person, account or family): an
    # import run split over processes (IMPORT_WORKERS) keeps tied rows in one process, in file
    # order. Must include the natural key's columns. Empty: the importer runs in one process.
    tie_columns: tuple[str, ...] = ()
    description: Any = ""
    extra: dict = field(default_factory=dict)


_importers: dict[str, Importer] = {}


def register_importer(importer: Importer) -> Importer:
    _importers[importer.key] = importer
    return importer


def _all() -> dict[str, Importer]:
    # Programs declare theirs (Program(importers=[...])); core modules and tests register.
    return {**{i.key: i for i in registry.declared("importers")}, **_importers}


def get_importer(key: str) -> Importer | None:
    return _all().get(key)


def importers() -> list[Importer]:
    return sorted(_all().values(), key=lambda i: i.key)


_run_cache: ContextVar[dict | None] = ContextVar("import_run_cache", default=None)


@contextmanager
def run_cache() -> Iterator[dict]:
    """A cache that lives for one import run (import_run opens it): parsers remember what
    they looked up (a school by its code) instead of asking the database on every row."""
    token = _run_cache.set({})
    try:
        yield _run_cache.get()
    finally:
        _run_cache.reset(token)


def cached(kind: str, key, lookup: Callable[[], Any]):
    """``lookup()`` once per (kind, key) and run; outside a run, every time."""
    cache = _run_cache.get()
    if cache is None:
        return lookup()
    slot = (kind, key)
    if slot not in cache:
        cache[slot] = lookup()
    return cache[slot]
