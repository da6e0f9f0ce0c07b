"""The address proof upload: a refused file is named at its field with the reason, on the
page and in the API; an accepted one is named by id in the address step."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from minsheng.attachments.models import Attachment
from minsheng.programs.enterprise_startup.services import names


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def start(world):
    return names.name_reserve(applicant=world.founder, region_code="320706", trade_name="云帆", industry="科技",
                                 org_form="有限公司", enterprise_type="llc", pledge=True)


def pdf(*, javascript=False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_page_marks_the_proof_field_with_the_reason(world, client):
    app = start(world)
    client.force_login(world.founder)
    url = f"/p/enterprise_startup/a/{app.pk}/step/address/"
    fake = SimpleUploadedFile("lease.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>")
    r = client.post(url, {"region_code": world.town.code, "street": "朝阳东路18号", "proof": fake},
                    headers={"Accept-Language": "en"})
    page = r.content.decode()
    assert r.status_code == 422
    assert r.context["form"].errors["proof"] and "content" in page  # the refusal is at the proof field
    r = client.post(url, {"region_code": world.town.code, "street": "朝阳东路18号",
                          "proof": SimpleUploadedFile("lease.pdf", pdf(javascript=True))},
                    headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "active content" in r.content.decode()
    assert Attachment.objects.count() == 0
    fake = SimpleUploadedFile("lease.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>")
    r = client.post(url, {"region_code": world.town.code, "street": "朝阳东路18号", "proof": fake},
                    headers={"Accept-Language": "zh-hans"})
    errors = r.context["form"].errors["proof"]
    assert any("无法将此文件识别为图片或 PDF" in e for e in errors), errors
    assert "无法将此文件识别为图片或 PDF" in r.content.decode()


def test_the_api_names_address_proof_in_fields_and_accepts_a_clean_pdf(world, client):
    app = start(world)
    client.force_login(world.founder)
    url = f"/api/v1/enterprise_startup/drafts/{app.pk}/proof"
    r = client.post(url, {"proof": SimpleUploadedFile("lease.pdf", pdf(javascript=True))})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid" and "JavaScript" in body["fields"]["address.proof"][0]
    r = client.post(url, {"proof": SimpleUploadedFile("lease.pdf", b"x" * (11 * 1024 * 1024))})
    assert r.status_code == 422 and "MB" in r.json()["fields"]["address.proof"][0]
    r = client.post(url, {"proof": SimpleUploadedFile("lease.pdf", pdf())})
    assert r.status_code == 201
    assert Attachment.objects.get().pk == r.json()["attachment_id"]
    # a multipart request without the file is a 422 naming it, not a server error
    r = client.post(url, {"other": "x"})
    assert r.status_code == 422 and "proof" in r.json()["fields"]
