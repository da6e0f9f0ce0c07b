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
