"""Attachments on S3-compatible storage (django-storages), against moto's S3 server started
here on 127.0.0.1 in its own process: the bytes travel over HTTP to the object store and back."""

import functools
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.attachments.services import attachment_store
from minsheng.identity.models import User

BUCKET = "minsheng-attachments"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture
def s3(settings, s3_server):
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1",
        aws_access_key_id="minsheng", aws_secret_access_key="minsheng-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    s3_options = {
        **settings.MEDIA_STORAGES["s3"]["OPTIONS"],
        "bucket_name": BUCKET,
        "endpoint_url": s3_server,
        "access_key": "minsheng",
        "secret_key": "minsheng-secret",
        "location": "city-320700",
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": settings.MEDIA_STORAGES["s3"]["BACKEND"], "OPTIONS": s3_options},
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


@functools.cache
def pdf_bytes() -> bytes:
    """A real one-page PDF (uploads are typed by their parsed content), the same every call."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "minsheng s3 test"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_attachment_is_stored_in_the_bucket_and_served_back_through_the_checked_view(
    s3, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    owner = User.objects.create_user("s3owner", name="存储")
    a = attachment_store(file=SimpleUploadedFile("证明.pdf", pdf_bytes(), "application/pdf"), owner=owner)
    assert type(storages["default"]).__module__ == "storages.backends.s3"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"city-320700/{a.file.name}"]
    stored = s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    assert stored == pdf_bytes()
    assert list(tmp_path.iterdir()) == []  # nothing on the local disk

    client.force_login(owner)
    response = client.get(f"/files/{a.key}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    # objects are private: the bucket URL without a signature is refused
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3.meta.endpoint_url}/{BUCKET}/{keys[0]}", timeout=5)  # noqa: S310
    assert refused.value.code == 403


def test_media_storage_is_chosen_by_the_environment(tmp_path):
    import os

    root = Path(__file__).resolve().parents[3]
    code = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MINSHENG_ENV": "development",
        "MINSHENG_VAR_DIR": str(tmp_path),
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=root, env=env,
        capture_output=True, text=True,
    )
    assert result.stdout.split()[-1] == "storages.backends.s3.S3Storage", result.stderr
