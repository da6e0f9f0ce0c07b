"""Bulk import: start a job (file checked, stored, queued), run it in chunks."""

import hashlib
import itertools
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.access.selectors import user_has_role
from minsheng.audit.services import audit_record
from minsheng.core.errors import DomainError, NotAllowed, ValidationFailed

from .base import Importer, get_importer, run_cache
from .models import ImportJob, ImportState
from .reading import is_blank, open_rows, sniff

logger = logging.getLogger(__name__)
# What a job says when an importer fails (one process or one of the parts); saved rows stay.
INTERNAL_ERROR = gettext_lazy(
    "The import stopped because of an internal error. Saved rows are kept; report this to the administrator.")

MAX_BYTES = settings.IMPORT_MAX_BYTES
MAX_STORED_ERRORS = 10_000


def importer_allowed(*, user, importer: Importer) -> bool:
    return bool(user.is_superuser or user_has_role(user=user, roles=importer.roles))


def import_start(*, importer_key: str, file, dry_run: bool = True, actor) -> ImportJob:
    """Check the upload's type and size, store it and queue the import. Nothing is imported yet."""
    importer = get_importer(importer_key)
    if importer is None:
        raise ValidationFailed.for_field("importer", _("Choose one of the listed imports."))
    if not importer_allowed(user=actor, importer=importer):
        raise NotAllowed()
    if getattr(file, "size", 0) > MAX_BYTES:
        raise ValidationFailed.for_field(
            "file",
            _("The file is larger than %(mb)d MB. Split it into smaller files.") % {"mb": MAX_BYTES // 2**20},
        )
    file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed.for_field(
            "file",
            _("The file is larger than %(mb)d MB. Split it into smaller files.") % {"mb": MAX_BYTES // 2**20},
        )
    kind = sniff(data[:8])
    if kind not in ("xlsx", "csv"):
        raise ValidationFailed.for_field(
            "file", _("Only .xlsx and .csv files can be imported. Save the sheet in one of these formats.")
        )
    if not data.strip():
        raise ValidationFailed.for_field("file", _("The file is empty. Please choose the file again."))
    with transaction.atomic():
        job = ImportJob(
            importer_key=importer_key,
            original_name=(getattr(file, "name", "") or "upload")[:200],
            dry_run=dry_run,
            created_by=actor,
        )
        job.file.save(f"import.{kind}", ContentFile(data), save=False)
        job.save()
        audit_record(
            event_type="imports.start",
            actor=actor,
            target=job,
            new={"importer": importer_key, "dry_run": dry_run, "file": job.original_name},
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import import_run_task

    import_run_task.enqueue(job_id)


def _header_map(importer: Importer, header: list) -> tuple[dict[str, int], list[str]]:
    wanted = {
        name.strip().lower(): col for col in importer.columns for name in col.names
    }
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        col = wanted.get(str(cell or "").strip().lower())
        if col is not None and col.key not in found:
            found[col.key] = index
    missing = [col.label for col in importer.columns if col.required and col.key not in found]
    return found, missing


def _seen_key(values: tuple) -> bytes:
    """A row's natural key as remembered for the rest of the run: a 16-byte digest of its values
    (records by their key), not the parsed values (~600 bytes a roster row, 380 MB for 600,000)."""
    plain = tuple(v.pk if isinstance(v, Model) else v for v in values)
    return hashlib.blake2b(repr(plain).encode(), digest_size=16).digest()


def _validate(importer: Importer, positions, row: list, rownum: int, seen: set, errors: list):
    values, row_errors = {}, []
    for col in importer.columns:
        index = positions.get(col.key)
        raw = row[index] if index is not None and index < len(row) else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if col.required:
                row_errors.append({"row": rownum, "column": col.label, "message": _("This cell is required. Fill it in.")})
            else:
                values[col.key] = None
            continue
        try:
            values[col.key] = col.parse(raw)
        except ValidationFailed as exc:
            row_errors.append({"row": rownum, "column": col.label, "message": str(exc.message)})
    if not row_errors and importer.validate_row is not None:
        try:
            importer.validate_row(values)
        except ValidationFailed as exc:
            row_errors.append({"row": rownum, "column": "", "message": str(exc.message)})
    if not row_errors and importer.natural_key:
        key = _seen_key(tuple(values.get(k) for k in importer.natural_key))
        if key in seen:
            row_errors.append(
                {"row": rownum, "column": "", "message": _("This row repeats an earlier row of the file. Remove one of them.")}
            )
        seen.add(key)
    errors.extend(row_errors)
    return None if row_errors else values


def _progress(job: ImportJob, errors: list) -> None:
    job.errors = errors[:MAX_STORED_ERRORS]
    job.save(update_fields=["processed", "ok", "failed", "errors", "total"])


def _finish(job: ImportJob, state, message="") -> ImportJob:
    job.state = state
    job.message = str(message)
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "message", "finished_at"])
    return job


class Tally:
    """What a run (or one part of a parallel run) has done so far."""

    def __init__(self) -> None:
        self.processed = self.ok = self.failed = 0
        self.errors: list[dict] = []


def import_chunks(importer: Importer, job: ImportJob, numbered, positions: dict, *, tally: Tally, cache: dict,
                  after_chunk=None) -> list[dict]:
    """Validate and save ``numbered`` ((row number, cells), in file order) a chunk at a time:
    each chunk's valid rows in their own transaction (``all_or_nothing``: returned instead, to
    be saved when the whole file is valid). ``after_chunk()`` after each chunk."""
    seen: set = set()
    write = not job.dry_run
    deferred: list[dict] = []
    errors = tally.errors
    size = max(1, importer.chunk_size)
    while chunk := list(itertools.islice(numbered, size)):
        before = len(errors)
        valid = [v for n, r in chunk if (v := _validate(importer, positions, r, n, seen, errors)) is not None]
        bad_rows = len({e["row"] for e in errors[before:]})
        if write and valid and not importer.all_or_nothing:
            try:
                with transaction.atomic():
                    importer.save_rows(valid, job)
            except DomainError as exc:
                # What the chunk looked up or made (a class created in the rolled-back
                # transaction) is gone with it: the next chunk looks again.
                cache.clear()
                errors.append({"row": chunk[0][0], "column": "", "message": str(exc.message)})
                bad_rows += len(valid)
                valid = []
        elif write and importer.all_or_nothing:
            deferred.extend(valid)
        tally.processed += len(chunk)
        tally.ok += len(valid)
        tally.failed += bad_rows
        if after_chunk is not None:
            after_chunk()
    return deferred


def _tally_to_job(job: ImportJob, tally: Tally) -> None:
    job.processed, job.ok, job.failed = tally.processed, tally.ok, tally.failed
    _progress(job, tally.errors)


def import_workers(importer: Importer, job: ImportJob, workers: int | None = None) -> int:
    """How many processes run this import: ``IMPORT_WORKERS`` (or ``workers``) on PostgreSQL for
    an importer that says which columns tie its rows together, a file of more than one chunk,
    and a caller outside a transaction (the processes must see the job); otherwise one."""
    n = settings.IMPORT_WORKERS if workers is None else workers
    if (n <= 1 or not importer.tie_columns or importer.all_or_nothing or connection.vendor != "postgresql"
            or connection.in_atomic_block or job.total <= importer.chunk_size):
        return 1
    return min(n, -(-job.total // importer.chunk_size))


def import_run(job: ImportJob, *, workers: int | None = None, on_progress=None) -> ImportJob:
    """Do the import in chunks, saving progress after each.

    A dry run validates every row and writes nothing. A real run saves each
    chunk's valid rows in its own transaction, so a later failure never
    undoes what was saved (or, with ``all_or_nothing``, writes only when the
    whole file is valid). Runs once: a job that is not queued is left alone.
    With several workers (``import_workers``) the rows are split by family
    (``Importer.tie_columns``) over that many processes, each running the chunks
    of its part; the job keeps one progress count and one error report, by row.
    ``on_progress(job)`` is called after each chunk (a progress bar).
    """
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING, started_at=timezone.now()
    )
    job.refresh_from_db()
    if not claimed:
        return job
    importer = get_importer(job.importer_key)
    if importer is None:
        return _finish(job, ImportState.FAILED, _("This import type is no longer available."))
    kind = job_kind(job)
    try:
        # Two passes over the file, so the count is known up front and no pass holds all rows.
        with job.file.open("rb") as fh:
            rows = open_rows(fh, kind)
            header = next(rows, None)
            job.total = sum(1 for r in rows if not is_blank(r))
    except DomainError as exc:
        return _finish(job, ImportState.FAILED, exc.message)
    if header is None:
        return _finish(job, ImportState.FAILED, _("The file has no header row. Put the column names in the first row."))
    positions, missing = _header_map(importer, header)
    if missing:
        return _finish(
            job,
            ImportState.FAILED,
            _("These columns are missing from the first row: %(cols)s. Add them and upload again.")
            % {"cols": "、".join(missing)},
        )
    write = not job.dry_run
    n_workers = import_workers(importer, job, workers)
    tally = Tally()
    deferred: list[dict] = []
    if n_workers > 1:
        from .parallel import import_in_parts

        crashed = import_in_parts(importer, job, positions, n_workers, tally=tally, on_progress=on_progress)
        if crashed:
            _tally_to_job(job, tally)
            return _finish(job, ImportState.FAILED, str(INTERNAL_ERROR))
    else:
        def after_chunk() -> None:
            _tally_to_job(job, tally)
            if on_progress is not None:
                on_progress(job)

        with job.file.open("rb") as fh, run_cache() as cache:
            rows = open_rows(fh, kind)
            next(rows, None)
            numbered = ((n, r) for n, r in enumerate(rows, start=2) if not is_blank(r))
            deferred = import_chunks(importer, job, numbered, positions, tally=tally, cache=cache,
                                     after_chunk=after_chunk)
    _tally_to_job(job, tally)
    errors = tally.errors
    size = max(1, importer.chunk_size)
    if write and importer.all_or_nothing:
        if job.failed:
            job.ok = 0
            _progress(job, errors)
            return _finish(job, ImportState.DONE, _("Nothing was imported because some rows have errors. Correct them and upload the file again."))
        try:
            with transaction.atomic():
                for start in range(0, len(deferred), size):
                    importer.save_rows(deferred[start : start + size], job)
        except DomainError as exc:
            job.ok = 0
            _progress(job, errors)
            return _finish(job, ImportState.FAILED, exc.message)
    with transaction.atomic():
        _finish(job, ImportState.DONE)
        audit_record(
            event_type="imports.dry_run" if job.dry_run else "imports.done",
            actor=job.created_by,
            target=job,
            new={"total": job.total, "ok": job.ok, "failed": job.failed},
        )
    return job


def job_kind(job: ImportJob) -> str:
    return "xlsx" if job.file.name.endswith(".xlsx") else "csv"


def import_run_by_id(*, job_id: int) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    try:
        return import_run(job)
    except Exception as exc:
        # An importer bug: the job shows as failed instead of "running" forever;
        # chunks already saved stay saved. The worker still logs the traceback.
        _finish(job, ImportState.FAILED, str(INTERNAL_ERROR))
        logger.exception("import job %s failed", job_id)
        raise exc
