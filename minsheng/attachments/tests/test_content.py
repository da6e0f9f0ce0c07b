"""Uploads are typed by their parsed content; active PDF content is refused; every refusal
names the field and the reason, on the page and in the API."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from minsheng.attachments.models import Attachment
from minsheng.attachments.services import attachment_store
from minsheng.core.errors import ValidationFailed
from minsheng.identity.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner():
    return User.objects.create_user("owner", name="业主")


def pdf(change=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if change:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action_js(writer):
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )


def javascript_name_tree(writer):
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), action])})
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


def launch_on_open(writer):
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )


def page_aa(writer):
    writer.pages[0][NameObject("/AA")] = DictionaryObject()


def refusal(owner, data, *, field="proof", **kwargs) -> str:
    with pytest.raises(ValidationFailed) as exc:
        attachment_store(file=SimpleUploadedFile("x.pdf", data), owner=owner, field=field, **kwargs)
    assert list(exc.value.fields) == [field]
    return exc.value.fields[field][0]


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (open_action_js, "JavaScript"),
        (javascript_name_tree, "JavaScript"),
        (launch_on_open, "launch"),
        (lambda w: w.add_attachment("evil.exe", b"MZ"), "embedded files"),
        (page_aa, "automatic actions"),
    ],
)
def test_a_pdf_with_active_content_is_refused_and_names_it(owner, change, what):
    message = refusal(owner, pdf(change))
    assert "active content" in message and what in message
    assert Attachment.objects.count() == 0


def test_a_pdf_that_opens_on_a_page_is_not_active_content(owner):
    def open_at_first_page(writer):
        writer.root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/Fit")]
        )

    a = attachment_store(file=SimpleUploadedFile("ok.pdf", pdf(open_at_first_page)), owner=owner)
    assert a.content_type == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no pages: not a document
        b"\xff\xd8\xff\xe0" + b"<html>not a jpeg</html>",
        b"\x89PNG\r\n\x1a\n" + b"<svg onload=alert(1)>",
    ],
)
def test_first_bytes_do_not_make_a_type_the_parsed_content_does(owner, data):
    message = refusal(owner, data)
    assert "content" in message


def test_a_truncated_pdf_is_refused(owner):
    whole = pdf()
    refusal(owner, whole[: len(whole) // 2])


def test_too_large_and_wrong_type_say_so_in_chinese_on_the_named_field(owner):
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    with translation.override("zh-hans"):
        assert "MB" in refusal(owner, pdf(), max_bytes=100)
        wrong = refusal(owner, png.getvalue(), allowed_types=("application/pdf",))
    assert "PDF" in wrong and "不是" in wrong

