"""Pages (views/): what the portal and the workbench pages do beyond the services' own tests."""

from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.attachments.models import Attachment

from .conftest import citizen


def _blank_pdf() -> bytes:
    """A real one-page PDF: uploads are typed by their parsed content."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()


def test_the_founders_proof_of_address_is_seen_by_the_officer_and_not_by_a_stranger(world, make_application, client):
    app = make_application(confirm=False, submit=False)
    client.force_login(world.founder)
    r = client.post(
        f"/p/enterprise_startup/a/{app.pk}/step/address/",
        {"region_code": world.town.code, "street": "朝阳东路18号5楼501室", "proof": SimpleUploadedFile("租赁合同.pdf", PDF)},
    )
    assert r.status_code == 302
    proof = Attachment.objects.get(owner=world.founder)
    assert proof.target == app
    app.refresh_from_db()
    assert "address" in app.steps_done

    client.force_login(world.officers["market_regulation"])
    page = client.get(f"/p/enterprise_startup/work/a/{app.pk}/").content.decode()
    assert f"/files/{proof.key}/" in page and "租赁合同.pdf" in page
    assert client.get(f"/files/{proof.key}/").status_code == 200

    client.force_login(citizen("stranger", "路人", "320706199901011237"))
    assert client.get(f"/files/{proof.key}/").status_code == 404
