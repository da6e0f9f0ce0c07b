import json

import pytest

from minsheng.programs.enterprise_startup import licence as lic
from minsheng.programs.enterprise_startup import selectors
from minsheng.programs.enterprise_startup.models import BusinessLicence, LicenceStatus
from minsheng.programs.enterprise_startup.services import licence as licence_services

from .conftest import finish_all

VERIFY = "https://zwfw.example.cn/p/enterprise_startup/verify/"


def test_licence_signature_verifies_and_tampering_is_detected(world, make_application):
    app = finish_all(world, make_application())
    licence = BusinessLicence.objects.get(application=app)
    doc = lic.signed_document(licence.payload, licence.signature)
    assert selectors.licence_verify(document=doc)["result"] == "valid"
    tampered = doc.replace("云帆", "云舟")
    assert selectors.licence_verify(document=tampered)["result"] == "tampered"
    assert selectors.licence_verify(document="not json")["result"] == "unreadable"
    licence_services.licence_status_set(licence=licence, actor=world.officers["market_regulation"], status=LicenceStatus.REVOKED, reason="test")
    assert selectors.licence_verify(document=doc)["result"] == "revoked"


def test_pdf_carries_the_signed_licence_and_a_tampered_pdf_fails(world, make_application):
    import re
    import zlib

    app = finish_all(world, make_application())
    licence = BusinessLicence.objects.get(application=app)
    pdf = licence_services.licence_pdf(licence=licence, verify_base_url=VERIFY)
    assert pdf.startswith(b"%PDF")
    assert selectors.licence_verify(pdf=pdf)["result"] == "valid"
    # Rewrite the embedded licence.json with another capital, keep everything else. The
    # stream's end is where zlib says it is: compressed bytes may themselves end in "\r".
    for m in re.finditer(rb"stream\r?\n", pdf):
        inflater = zlib.decompressobj()
        try:
            inner = inflater.decompress(pdf[m.end() :])
        except zlib.error:
            continue
        if inner.startswith(b'{"payload":'):
            end = len(pdf) - len(inflater.unused_data)
            forged = zlib.compress(inner.replace(b'"capital":"1000000"', b'"capital":"9000000"'))
            pdf = pdf[: m.end()] + forged + pdf[end:]
            break
    else:
        pytest.fail("no embedded licence found")
    assert selectors.licence_verify(pdf=pdf)["result"] == "tampered"


def test_verification_page_and_api_are_public(world, make_application, client):
    app = finish_all(world, make_application())
    licence = BusinessLicence.objects.get(application=app)
    doc = lic.signed_document(licence.payload, licence.signature)
    r = client.post("/p/enterprise_startup/verify/", {"document": doc})
    assert r.status_code == 200 and 'data-result="valid"' in r.content.decode()
    r = client.post("/api/v1/enterprise_startup/verify", json.dumps({"document": doc.replace("1000000", "1000001")}), content_type="application/json")
    assert r.status_code == 200 and r.json()["result"] == "tampered"
