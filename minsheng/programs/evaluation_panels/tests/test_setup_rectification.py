"""整改 from the browser and the API: the lead unit answers with evidence, the panel office sends
the report back or accepts it by scheduling the re-evaluation; other units and districts cannot."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from minsheng.access.models import Organisation

from .. import services
from ..models import Evaluation, RectificationOrder, RectificationStatus
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
P = "/p/evaluation_panels"
API = "/api/v1/evaluation_panels"
REPORT = "已拆除全部施工围挡，修补路面1200平方米，恢复绿化。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (30, 120, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def order():
    haizhou = f.district("320706")
    unit = Organisation.objects.create(name="海州区住建局", kind="department", region=haizhou)
    f.pool(per_stratum=4)
    ev = f.drawn_evaluation(f.project(lead_unit=unit), size=4)
    f.all_score(ev, ["dissatisfied", "dissatisfied", "basic", "satisfied"], comment="施工围挡未拆除")
    f.close_and_publish(ev, actor=None)
    return {
        "order": RectificationOrder.objects.get(evaluation=ev),
        "officer": f.staff_user("project_unit_officer", organisation=unit, region=haizhou),
        "other_officer": f.staff_user("project_unit_officer", organisation=f.org("市教育局")),
        "organiser": f.staff_user("panel_organiser", organisation=f.org("海州区人大"), region=haizhou),
        "elsewhere": f.staff_user("panel_organiser", organisation=f.org("连云区人大"), region=f.district("320703")),
    }


def test_the_unit_answers_with_evidence_the_office_sends_it_back_then_accepts_it(client, order, frozen):
    o, url = order["order"], f"{P}/unit/rectifications/{order['order'].pk}/"
    client.force_login(order["officer"])
    assert f"/unit/rectifications/{o.pk}/" in client.get(f"{P}/unit/").content.decode()
    assert 'enctype="multipart/form-data"' in client.get(url).content.decode()
    client.post(url, {"action": "report", "report": REPORT,
                      "evidence": [SimpleUploadedFile("现场.png", png(), content_type="image/png")]})
    o.refresh_from_db()
    assert o.status == RectificationStatus.REPORTED
    assert client.post(url, {"action": "return", "reason": "自己退回自己"}).status_code == 302
    assert RectificationOrder.objects.get(pk=o.pk).status == RectificationStatus.REPORTED  # not the unit's to do

    client.force_login(order["organiser"])
    assert o.project.title in client.get(f"{P}/manage/rectifications/").content.decode()
    page = client.get(url).content.decode()
    assert "现场.png" in page and 'data-test="return-form"' in page and 'data-test="reevaluate-form"' in page
    client.post(url, {"action": "return", "reason": "缺少绿化恢复的照片"})
    o.refresh_from_db()
    assert (o.status, o.returned_reason) == (RectificationStatus.OPEN, "缺少绿化恢复的照片")

    client.force_login(order["officer"])
    assert "缺少绿化恢复的照片" in client.get(url).content.decode()
    client.post(url, {"action": "report", "report": REPORT + "补种绿化2000平方米。"})
    client.force_login(order["organiser"])
    start = f.NOW + timedelta(days=30)
    r = client.post(url, {"action": "reevaluate", "place": "新坝小区", "starts_at": start.strftime("%Y-%m-%dT09:00"),
                          "ends_at": start.strftime("%Y-%m-%dT11:00")})
    ev2 = Evaluation.objects.get(rectification=o)
    assert r.status_code == 302 and r["Location"].endswith(f"/manage/evaluations/{ev2.pk}/")
    assert RectificationOrder.objects.get(pk=o.pk).status == RectificationStatus.REEVALUATING


def test_another_unit_and_another_district_neither_see_nor_change_the_order(client, order):
    o, url = order["order"], f"{P}/unit/rectifications/{order['order'].pk}/"
    for who in ("other_officer", "elsewhere"):
        client.force_login(order[who])
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "report", "report": REPORT}).status_code == 404
    client.force_login(order["elsewhere"])
    assert o.project.title not in client.get(f"{P}/manage/rectifications/").content.decode()
    assert RectificationOrder.objects.get(pk=o.pk).status == RectificationStatus.OPEN


def test_the_api_sends_a_report_back_for_the_office_only(client, order):
    o = order["order"]
    services.rectification_report_submit(order=o, report=REPORT, actor=order["officer"])
    body = {"reason": "缺少验收材料"}
    for who, status in (("officer", 403), ("elsewhere", 404)):
        client.force_login(order[who])
        assert client.post(f"{API}/rectifications/{o.pk}/return", body, content_type="application/json").status_code == status
    client.force_login(order["organiser"])
    r = client.post(f"{API}/rectifications/{o.pk}/return", {"reason": "少"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["fields"]["reason"]
    r = client.post(f"{API}/rectifications/{o.pk}/return", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["returned_reason"] == "缺少验收材料"
    r = client.post(f"{API}/rectifications/{o.pk}/return", body, content_type="application/json")
    assert r.status_code == 409
