"""The backup/restore drill: back up a database with real rows, audit events and uploaded files,
restore it into an empty database in another process, and check every table's row count and
the audit trail's digest (on PostgreSQL with pg_dump/pg_restore, on SQLite with its backup API)."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from minsheng.attachments.services import attachment_store
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.identity.models import User
from minsheng.regions.models import Region

ROOT = Path(__file__).resolve().parents[3]


def pdf(n: int) -> bytes:
    """A real one-page PDF (uploads are typed by their parsed content), different for each n."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": f"file {n}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database of the same engine, and its URL."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        name = f"{s['NAME']}_restore"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


def manage(*args, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MINSHENG_ENV": "development",
        "MINSHENG_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database_with_every_table_and_the_audit_trail(
    settings, tmp_path, empty_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    owners = [User.objects.create_user(f"bk{i}", name=f"备份{i}", phone=f"1380013{i:04d}") for i in range(20)]
    files = [
        attachment_store(file=SimpleUploadedFile(f"{i}.pdf", pdf(i)), owner=owners[i % 20])
        for i in range(12)
    ]
    for i in range(150):
        audit_record(
            event_type="backup.drill", actor=owners[i % 20], target=city,
            old={"n": i - 1}, new={"n": i, "名": "连云港"},
        )
    events = AuditEvent.objects.count()
    assert events >= 162

    archive = tmp_path / "backups" / "drill.tar"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    print(out.getvalue())
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = tar.getnames()
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"]["audit_auditevent"] == events == manifest["audit_events"]
    assert manifest["tables"]["identity_user"] == 20
    assert manifest["media_files"] == 12 and sum(n.startswith("media/") for n in names) == 12

    restored = manage("restore", str(archive), database_url=empty_database, tmp_path=tmp_path)
    print(restored.stdout, restored.stderr)
    assert restored.returncode == 0, restored.stderr
    assert "restored and verified" in restored.stdout and manifest["audit_digest"] in restored.stdout

    # Independently of the command's own check: the restored database answers the same.
    probe = manage(
        "shell", "-c",
        "from minsheng.audit.backup import database_manifest; import json;"
        "print(json.dumps(database_manifest()))",
        database_url=empty_database, tmp_path=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    again = json.loads(probe.stdout.strip().splitlines()[-1])
    assert again["tables"] == manifest["tables"]
    assert again["audit_digest"] == manifest["audit_digest"]
    for a in files:
        data = (tmp_path / "restored-media" / a.file.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == a.sha256

    # A second restore into the now full database is refused and changes nothing.
    refused = manage("restore", str(archive), database_url=empty_database, tmp_path=tmp_path)
    assert refused.returncode != 0 and "not empty" in refused.stderr


@pytest.mark.django_db(transaction=True)
def test_a_restore_whose_audit_trail_differs_from_the_manifest_is_reported(
    settings, tmp_path, empty_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = User.objects.create_user("bk", name="备份")
    audit_record(event_type="backup.drill", actor=user, target=user, new={"n": 1})
    archive = tmp_path / "drill.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    # Forge the manifest: one audit event that the database does not hold.
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["audit_digest"] = hashlib.sha256(b"another history").hexdigest()
                manifest["tables"]["audit_auditevent"] += 1
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    result = manage("restore", str(tampered), database_url=empty_database, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "audit_auditevent:" in result.stderr and "audit digest differs" in result.stderr
