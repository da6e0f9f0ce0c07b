import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from minsheng.attachments.access import register_access
from minsheng.attachments.models import Attachment
from minsheng.attachments.services import attachment_store
from minsheng.audit.models import AuditEvent
from minsheng.core.errors import ValidationFailed
from minsheng.identity.models import Person, User


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = "张三"  # Artist
    exif[0x8825] = {1: "N", 2: (34.0, 35.0, 46.0), 3: "E", 4: (119.0, 13.0, 22.0)}  # GPS
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def owner(db):
    return User.objects.create_user("owner", name="业主")


@pytest.mark.django_db
def test_exif_and_gps_are_stripped_from_images(owner):
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the fixture really has GPS
    a = attachment_store(file=SimpleUploadedFile("照片.jpg", raw, "image/jpeg"), owner=owner)
    assert a.content_type == "image/jpeg" and a.original_name == "照片.jpg"
    stored = a.file.open("rb").read()
    assert len(stored) == a.size
    img = Image.open(io.BytesIO(stored))
    assert img.size == (40, 30)
    assert not img.getexif() and b"PhoneMaker" not in stored and b"GPS" not in stored
    assert AuditEvent.objects.filter(event_type="attachments.store", target_id=str(a.pk)).exists()


@pytest.mark.django_db
def test_disallowed_or_disguised_types_are_refused(owner):
    exe = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 this is a program", "application/pdf")
    with pytest.raises(ValidationFailed) as err:
        attachment_store(file=exe, owner=owner)
    assert "file" in err.value.fields
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    with pytest.raises(ValidationFailed):  # a real PNG where only PDFs are accepted
        attachment_store(file=SimpleUploadedFile("a.png", png.getvalue()), owner=owner, allowed_types=("application/pdf",))
    with pytest.raises(ValidationFailed):  # JPEG magic but not an image
        attachment_store(file=SimpleUploadedFile("a.jpg", b"\xff\xd8\xff" + b"junk" * 10), owner=owner)
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_size_limit_and_pdf_check(owner):
    with pytest.raises(ValidationFailed):
        attachment_store(file=SimpleUploadedFile("big.pdf", pdf_bytes() + b" " * 2000), owner=owner, max_bytes=1000)
    with pytest.raises(ValidationFailed):
        attachment_store(file=SimpleUploadedFile("cut.pdf", b"%PDF-1.4\n1 0 obj"), owner=owner)
    a = attachment_store(file=SimpleUploadedFile("ok.pdf", pdf_bytes(), "text/plain"), owner=owner)
    assert a.content_type == "application/pdf"  # parsed, not the client's claim


@pytest.mark.django_db
def test_file_is_served_to_the_owner_and_to_those_the_target_rule_allows(owner, client, monkeypatch):
    from minsheng.attachments import access

    monkeypatch.setattr(access, "_rules", {})
    target = Person.objects.create(name="王奶奶")
    guardian = User.objects.create_user("guardian", name="家属")
    stranger = User.objects.create_user("stranger", name="路人")
    a = attachment_store(file=SimpleUploadedFile("d.pdf", pdf_bytes()), owner=owner, target=target)
    url = f"/files/{a.key}/"
    assert client.get(url).status_code == 302  # anonymous: sign in first
    client.force_login(stranger)
    assert client.get(url).status_code == 404  # default deny, without saying it exists
    client.force_login(owner)
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == pdf_bytes()
    assert r["Content-Type"] == "application/pdf"
    register_access(Person, lambda user, person: user.username == "guardian")
    client.force_login(guardian)
    assert client.get(url).status_code == 200
    client.force_login(stranger)
    assert client.get(url).status_code == 404
