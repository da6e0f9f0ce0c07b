"""The licence PDF is signed as a whole: any changed, missing or added byte fails; its QR
code is a URL that opens the public verification page with the signed licence."""

import io
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from minsheng.programs.enterprise_startup import licence as lic
from minsheng.programs.enterprise_startup import selectors
from minsheng.programs.enterprise_startup.models import BusinessLicence
from minsheng.programs.enterprise_startup.services import licence as licence_services

from .conftest import finish_all

VERIFY = "http://testserver/p/enterprise_startup/verify/"


@pytest.fixture
def licence_pdf(world, make_application):
    app = finish_all(world, make_application())
    licence = BusinessLicence.objects.get(application=app)
    return licence, licence_services.licence_pdf(licence=licence, verify_base_url=VERIFY)


def test_the_whole_file_verifies_and_ends_with_its_detached_signature(licence_pdf):
    _licence, pdf = licence_pdf
    assert pdf.startswith(b"%PDF") and lic.FILE_SIGNATURE_PREFIX in pdf[-200:]
    assert selectors.licence_verify(pdf=pdf)["result"] == "valid"


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_one_changed_byte_anywhere_fails_as_tampered(licence_pdf, where):
    _licence, pdf = licence_pdf
    at = int(len(pdf) * where)
    forged = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    assert selectors.licence_verify(pdf=forged)["result"] == "tampered"


def test_a_pdf_cut_to_its_first_half_fails(licence_pdf):
    _licence, pdf = licence_pdf
    result = selectors.licence_verify(pdf=pdf[: len(pdf) // 2])
    assert result["result"] == "incomplete" and not result["signature_valid"]


def test_bytes_added_after_the_signature_or_a_missing_last_byte_fail(licence_pdf):
    _licence, pdf = licence_pdf
    assert selectors.licence_verify(pdf=pdf + b"%%EOF\n")["result"] in ("incomplete", "tampered")
    assert selectors.licence_verify(pdf=pdf[:-1])["result"] == "incomplete"
    assert selectors.licence_verify(pdf=pdf[:-2] + b"\n")["result"] in ("incomplete", "tampered")


def test_the_verify_page_refuses_a_truncated_upload(licence_pdf, client):
    _licence, pdf = licence_pdf
    upload = io.BytesIO(pdf[: len(pdf) // 2])
    upload.name = "licence.pdf"
    page = client.post("/p/enterprise_startup/verify/", {"pdf": upload}).content.decode()
    assert 'data-result="incomplete"' in page
    assert 'data-result="valid"' not in page


def test_the_qr_code_decodes_to_a_url_that_opens_the_check(licence_pdf, client):
    licence, _pdf = licence_pdf
    text = lic.verify_url(VERIFY, licence.payload, licence.signature)
    png = io.BytesIO()
    lic.qr_code(text).save(png, kind="png", scale=4)
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.getvalue())))
    assert decoded.text == text
    url = urlsplit(decoded.text)
    assert url.scheme == "http" and url.path == "/p/enterprise_startup/verify/"
    page = client.get(f"{url.path}?{url.query}").content.decode()  # as a phone camera would open it
    assert 'data-result="valid"' in page and licence.credit_code in page


def test_a_qr_url_with_a_changed_licence_reads_as_tampered(licence_pdf, client):
    licence, _pdf = licence_pdf
    forged = dict(licence.payload, capital="9000000")
    url = urlsplit(lic.verify_url(VERIFY, forged, licence.signature))
    assert 'data-result="tampered"' in client.get(f"{url.path}?{url.query}").content.decode()
