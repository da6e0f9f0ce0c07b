"""One import run over several processes (``IMPORT_WORKERS``, PostgreSQL).

A roster of 600,000 rows costs one process minutes of CPU (cell checks, hashing, encryption,
COPY's formatting); the job splits it instead. A first pass reads the cells of the importer's
``tie_columns`` (ID numbers, phone numbers) and groups the rows that share a value — the same
pupil, guardian or account — into families (union-find); each family goes to one of N parts.
N processes (forked from the one running the job, each with its own database connection) then
run the usual chunk loop (``services.import_chunks``) over the rows of their part, in file
order. No two processes register the same person or account, and a repeated row meets the
row it repeats in the same process, so the rows written and the errors reported are those of
one process; classes and grades several parts need are made with ON CONFLICT DO NOTHING and
read back. The processes report each chunk to the job's process, which keeps the one progress
count and the one error report (by row number) on the job.
"""

import logging
import multiprocessing
import queue as queues
import re
import traceback

from django.db import connections

from .base import Importer, run_cache
from .models import ImportJob
from .reading import is_blank, open_rows

logger = logging.getLogger(__name__)

_NOT_KEY = re.compile(r"[^0-9A-Z]")


def tie_value(raw) -> str:
    """A tying cell's value as compared: letters and digits only, upper case (``x`` check digits,
    spaces, dashes), a +86 prefix off a mobile number; "" for an empty cell."""
    if raw is None:
        return ""
    value = _NOT_KEY.sub("", str(raw).upper())
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value


def families(rows, columns: list[int], parts: int) -> bytearray:
    """The part (0…parts-1) of each row, indexed by row number (the header is row 1): rows that
    share a value in any of ``columns`` are in the same part. ``rows``: the data rows."""
    # Values by their hash (a collision only puts two families in one part, which is harmless):
    # a 64-bit int per value instead of the string halves the memory of this pass.
    ids: dict[int, int] = {}
    parent: list[int] = []

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    firsts: list[int] = []
    for row in rows:
        first = -1
        for index in columns:
            value = tie_value(row[index]) if index < len(row) else ""
            if not value:
                continue
            digest = hash(value)
            key = ids.get(digest)
            if key is None:
                key = ids[digest] = len(parent)
                parent.append(key)
            if first < 0:
                first = key
            else:
                a, b = find(first), find(key)
                if a != b:
                    parent[b] = a
        firsts.append(first)
    out = bytearray(2 + len(firsts))
    for n, first in enumerate(firsts, start=2):
        out[n] = (find(first) if first >= 0 else n) % parts
    return out


def _part_main(job_id: int, part: int, assignment: bytearray, positions: dict, messages, max_errors: int) -> None:
    """One process: the chunks of its part; a message to the job's process after each."""
    from .base import get_importer
    from .services import Tally, import_chunks, job_kind

    try:
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        importer = get_importer(job.importer_key)
        tally = Tally()
        sent = 0

        def after_chunk() -> None:
            nonlocal sent
            fresh = tally.errors[sent:max_errors]  # the report keeps the first rows' errors
            sent = max(sent, min(len(tally.errors), max_errors))
            messages.put(("chunk", part, tally.processed, tally.ok, tally.failed, fresh))

        with job.file.open("rb") as fh, run_cache() as cache:
            rows = open_rows(fh, job_kind(job))
            next(rows, None)
            numbered = ((n, r) for n, r in enumerate(rows, start=2) if assignment[n] == part and not is_blank(r))
            import_chunks(importer, job, numbered, positions, tally=tally, cache=cache, after_chunk=after_chunk)
        messages.put(("done", part))
    except BaseException:  # noqa: BLE001 - reported to the job's process, which fails the job
        messages.put(("crash", part, traceback.format_exc()))
    finally:
        connections.close_all()


def import_in_parts(importer: Importer, job: ImportJob, positions: dict, parts: int, *, tally,
                    on_progress=None) -> bool:
    """Run the job's rows in ``parts`` processes; ``tally`` gets the sums and the error report.
    True if a process crashed (what the others saved stays saved)."""
    from .services import MAX_STORED_ERRORS, _tally_to_job, job_kind

    with job.file.open("rb") as fh:
        rows = open_rows(fh, job_kind(job))
        next(rows, None)
        assignment = families(rows, [positions[c] for c in importer.tie_columns if c in positions], parts)
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    connections.close_all()  # each process opens its own connection; this one reopens when next used
    processes = [context.Process(target=_part_main, args=(job.pk, k, assignment, positions, messages,
                                                          MAX_STORED_ERRORS))
                 for k in range(parts)]
    for process in processes:
        process.start()
    counts = {k: (0, 0, 0) for k in range(parts)}
    errors: list[dict] = []
    finished: set[int] = set()
    crashed = False
    while len(finished) < parts:
        try:
            message = messages.get(timeout=2)
        except queues.Empty:
            for k, process in enumerate(processes):
                if k not in finished and not process.is_alive():  # gone without a word (killed)
                    logger.error("import job %s: part %s ended with exit code %s", job.pk, k, process.exitcode)
                    finished.add(k)
                    crashed = True
            continue
        kind, part = message[0], message[1]
        if kind == "chunk":
            counts[part] = message[2:5]
            errors.extend(message[5])
            tally.processed, tally.ok, tally.failed = (sum(c[i] for c in counts.values()) for i in range(3))
            if message[5]:
                errors.sort(key=lambda e: e["row"])
                del errors[MAX_STORED_ERRORS:]
            tally.errors = errors
            _tally_to_job(job, tally)
            if on_progress is not None:
                on_progress(job)
        else:
            finished.add(part)
            if kind == "crash":
                logger.error("import job %s: part %s failed:\n%s", job.pk, part, message[2])
                crashed = True
    for process in processes:
        process.join()
    return crashed
