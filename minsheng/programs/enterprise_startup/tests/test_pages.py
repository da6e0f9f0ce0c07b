"""The founder's pages render (the browser test covers the whole journey; this runs in the fast suite)."""


def test_name_page_renders_and_a_refused_reservation_shows_the_messages(world, client):
    client.force_login(world.founder)
    r = client.get("/p/enterprise_startup/name/")
    assert r.status_code == 200 and 'id="name-form"' in r.content.decode()
    r = client.post("/p/enterprise_startup/name/", {"region": "320706", "trade_name": "云帆", "industry": "科技", "org_form": "有限公司", "enterprise_type": "llc"})
    assert r.status_code == 422
    assert "请阅读并签署承诺" in r.content.decode()
    r = client.post("/p/enterprise_startup/name/", {"region": "999999", "trade_name": "云帆", "industry": "科技", "org_form": "有限公司", "enterprise_type": "llc", "pledge": "on"})
    assert r.status_code == 422 and "请选择连云港市或其所辖区县" in r.content.decode()


def test_an_embedded_licence_whose_compressed_bytes_end_in_a_carriage_return_is_still_found():
    """A compressed stream may end with b"\\r": reading up to "\\r\\nendstream" cut off its last byte."""
    import zlib

    from minsheng.programs.enterprise_startup import licence as lic

    doc = b'{"payload":{"n":"geuemocqseggpo"},"sig":"x"}'
    packed = zlib.compress(doc)
    assert packed.endswith(b"\r")
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n" + packed + b"\nendstream\nendobj\n%%EOF"
    assert lic.extract_from_pdf(pdf) == doc.decode()
    plain = b"%PDF-1.7\n1 0 obj\n<< >>\nstream\n" + doc + b"\nendstream\nendobj\n"
    assert lic.extract_from_pdf(plain) == doc.decode()


def test_the_people_step_shows_one_shareholder_block_and_adds_one_without_javascript(world, client):
    from minsheng.programs.enterprise_startup.services import names

    app = names.name_reserve(applicant=world.founder, region_code="320706", trade_name="云帆", industry="科技",
                             org_form="有限公司", enterprise_type="llc", pledge=True)
    client.force_login(world.founder)
    url = f"/p/enterprise_startup/a/{app.pk}/step/people/"
    page = client.get(url).content.decode()
    assert 'name="sh-0-name"' in page and 'name="sh-1-name"' not in page
    r = client.post(url, {"sh-0-kind": "person", "sh-0-name": "张伟", "sh-0-share_percent": "60", "add_shareholder": "1"})
    assert r.status_code == 302 and r["Location"].endswith("?rows=2#sh-1")
    page = client.get(r["Location"]).content.decode()
    assert 'value="张伟"' in page and 'name="sh-1-name"' in page and 'name="sh-2-name"' not in page


def test_a_refused_step_keeps_what_was_typed_and_marks_the_field(world, client):
    from minsheng.programs.enterprise_startup.services import names

    app = names.name_reserve(applicant=world.founder, region_code="320706", trade_name="云帆", industry="科技",
                             org_form="有限公司", enterprise_type="llc", pledge=True)
    client.force_login(world.founder)
    r = client.post(f"/p/enterprise_startup/a/{app.pk}/step/type/", {"enterprise_type": "llc", "registered_capital": "abc", "contribution_form": "cash"})
    assert r.status_code == 422
    assert r.context["form"].errors["registered_capital"]
    assert 'value="abc"' in r.content.decode()


def test_the_public_licence_check_shows_labelled_fields_not_payload_keys(world, make_application, client):
    from minsheng.programs.enterprise_startup import licence as lic
    from minsheng.programs.enterprise_startup.models import BusinessLicence

    from .conftest import finish_all

    app = make_application()
    finish_all(world, app)
    licence = BusinessLicence.objects.get(application=app)
    document = lic.signed_document(licence.payload, licence.signature)
    page = client.post("/p/enterprise_startup/verify/", {"document": document}, headers={"Accept-Language": "zh-hans"}).content.decode()
    assert 'data-result="valid"' in page
    assert "统一社会信用代码" in page and "注册资本" in page and licence.credit_code in page
    assert "credit_code" not in page and "元人民币" not in page
