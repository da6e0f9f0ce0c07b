"""Backup and restore: one archive holds the database, the uploaded files and a manifest.

It lives with the audit trail: the proof that a restore is faithful is the trail's digest.

The manifest records every table's row count and a SHA-256 digest over the
audit trail, taken in the same snapshot as the copy; a restore recomputes both
on the restored database and refuses to call it good unless they match.

- PostgreSQL: ``pg_dump -Fc`` of an exported snapshot (the counts and the dump
  see the same rows while the platform keeps running); ``pg_restore`` into an
  empty database.
- SQLite (the embedded default): SQLite's online backup API inside one read
  transaction, so the copy and the counts see the same snapshot.
- Uploaded files: the local ``MEDIA_ROOT`` goes into the archive; files on
  S3-compatible storage are kept by the object store (versioning, replication)
  and are not copied.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from minsheng.audit.models import AuditEvent

MANIFEST = "manifest.json"
AUDIT_FIELDS = [
    "id", "occurred_at", "actor_id", "actor_label", "event_type", "target_type", "target_id",
    "target_label", "old_values", "new_values", "ip_address", "request_id",
]


class RestoreRefused(Exception):
    """The archive cannot be restored here (not empty, another engine, unreadable)."""


@dataclass
class RestoreReport:
    expected: dict
    actual: dict
    seconds: float

    @property
    def mismatched_tables(self) -> dict[str, tuple[int | None, int | None]]:
        want, got = self.expected["tables"], self.actual["tables"]
        return {
            t: (want.get(t), got.get(t))
            for t in sorted(set(want) | set(got))
            if want.get(t) != got.get(t)
        }

    @property
    def ok(self) -> bool:
        return (
            not self.mismatched_tables
            and self.expected["audit_digest"] == self.actual["audit_digest"]
        )


def _vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def database_manifest(*, using: str = "default") -> dict:
    """Row count of every table and a digest over the audit trail, in id order."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table name from introspection
            counts[table] = cursor.fetchone()[0]
    digest = hashlib.sha256()
    events = 0
    rows = AuditEvent.objects.using(using).order_by("id").values_list(*AUDIT_FIELDS)
    for row in rows.iterator(chunk_size=5000):
        digest.update(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False).encode())
        digest.update(b"\n")
        events += 1
    return {
        "engine": connection.vendor,
        "tables": counts,
        "rows": sum(counts.values()),
        "audit_events": events,
        "audit_digest": digest.hexdigest(),
    }


def _pg_args(settings_dict: dict) -> tuple[list[str], dict]:
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", settings_dict["USER"]]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _dump_postgres(workdir: Path) -> tuple[dict, Path]:
    connection = connections["default"]
    target = workdir / "database.pgdump"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        manifest = database_manifest()
        args, env = _pg_args(connection.settings_dict)
        subprocess.run(
            ["pg_dump", *args, "--format=custom", f"--snapshot={snapshot}", "--no-owner",
             "-f", str(target), connection.settings_dict["NAME"]],
            check=True, env=env, capture_output=True,
        )
    return manifest, target


def _dump_sqlite(workdir: Path) -> tuple[dict, Path]:
    connection = connections["default"]
    target = workdir / "database.sqlite3"
    if connection.in_atomic_block:
        raise RestoreRefused("run the backup outside a transaction")
    # One read transaction: the counts and the copy see the same snapshot while writers
    # carry on (WAL). A write transaction here would block SQLite's backup on itself.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            manifest = database_manifest()
            copy = sqlite3.connect(target)
            try:
                connection.connection.backup(copy)
            finally:
                copy.close()
        finally:
            cursor.execute("COMMIT")
    return manifest, target


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    archive.addfile(info, io.BytesIO(data))


def backup_create(*, output: Path) -> dict:
    """Write one archive (tar) of the database and the local uploaded files. Returns the manifest."""
    started = time.monotonic()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as tmp:
        workdir = Path(tmp)
        if _vendor() == "postgresql":
            manifest, dump = _dump_postgres(workdir)
        elif _vendor() == "sqlite":
            manifest, dump = _dump_sqlite(workdir)
        else:
            raise RestoreRefused(f"no backup method for {_vendor()}")
        media_root = Path(settings.MEDIA_ROOT)
        local_media = settings.MEDIA_STORAGE == "local" and media_root.is_dir()
        media_files = [p for p in media_root.rglob("*") if p.is_file()] if local_media else []
        manifest.update(
            created_at=timezone.now().isoformat(),
            database_file=dump.name,
            media="archive" if settings.MEDIA_STORAGE == "local" else "object store (not copied)",
            media_files=len(media_files),
            media_bytes=sum(p.stat().st_size for p in media_files),
        )
        partial = output.with_suffix(output.suffix + ".partial")
        with tarfile.open(partial, "w") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False).encode())
            archive.add(dump, arcname=dump.name)
            for path in media_files:
                archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
        partial.replace(output)  # a backup cut short never looks complete
    manifest["seconds"] = round(time.monotonic() - started, 2)
    manifest["archive_bytes"] = output.stat().st_size
    return manifest


def _database_is_empty() -> bool:
    connection = connections["default"]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _safe_members(archive: tarfile.TarFile, prefix: str) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        if member.name.startswith(prefix) and member.isfile():
            parts = Path(member.name).parts
            if ".." in parts or Path(member.name).is_absolute():
                raise RestoreRefused(f"unsafe path in archive: {member.name}")
            members.append(member)
    return members


def backup_restore(*, archive_path: Path) -> RestoreReport:
    """Restore an archive into the configured database, which must be empty, and verify it."""
    started = time.monotonic()
    with tarfile.open(archive_path, "r") as archive:
        try:
            expected = json.loads(archive.extractfile(MANIFEST).read())
        except KeyError:
            raise RestoreRefused("the archive has no manifest: not a minsheng backup")
        if expected["engine"] != _vendor():
            raise RestoreRefused(
                f"the archive holds a {expected['engine']} database; this one is {_vendor()}"
            )
        if not _database_is_empty():
            raise RestoreRefused("the target database is not empty: restore into a new database")
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / expected["database_file"]
            with archive.extractfile(expected["database_file"]) as src, open(dump, "wb") as dst:
                shutil.copyfileobj(src, dst)
            connection = connections["default"]
            connection.close()
            if _vendor() == "postgresql":
                args, env = _pg_args(connection.settings_dict)
                result = subprocess.run(
                    ["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error",
                     "-d", connection.settings_dict["NAME"], str(dump)],
                    env=env, capture_output=True, text=True,
                )
                if result.returncode != 0:
                    raise RestoreRefused(f"pg_restore failed: {result.stderr.strip()[:2000]}")
            else:
                source = sqlite3.connect(dump)
                target = sqlite3.connect(connection.settings_dict["NAME"])
                try:
                    source.backup(target)
                finally:
                    source.close()
                    target.close()
        media_root = Path(settings.MEDIA_ROOT)
        for member in _safe_members(archive, "media/"):
            destination = media_root / Path(member.name).relative_to("media")
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as src, open(destination, "wb") as dst:
                shutil.copyfileobj(src, dst)
    connections["default"].close()
    actual = database_manifest()
    return RestoreReport(expected=expected, actual=actual, seconds=round(time.monotonic() - started, 2))
