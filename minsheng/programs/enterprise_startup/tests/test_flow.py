import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from minsheng.cases.models import Case, CaseTask
from minsheng.cases.services import sla_check
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.programs.enterprise_startup import licence as lic
from minsheng.programs.enterprise_startup import selectors, services
from minsheng.programs.enterprise_startup.models import BusinessLicence, LicenceStatus, StepTiming

from .conftest import PARTNER_ID, finish_all, full_steps

VERIFY = "https://zwfw.example.cn/p/enterprise_startup/verify/"


def start(world):
    return services.name_reserve(applicant=world.founder, region_code="320706", trade_name="云帆", industry="科技", org_form="有限公司", enterprise_type="llc", pledge=True)


def save_error(app, world, step, data):
    with pytest.raises(ValidationFailed) as exc:
        services.draft_save(application=app, actor=world.founder, step=step, data=data)
    return exc.value.fields


def test_bad_input_is_reported_at_the_field_and_saved_steps_are_kept(world):
    app = start(world)
    steps = full_steps(world)
    services.draft_save(application=app, actor=world.founder, step="type", data=steps["type"])
    people = dict(steps["people"], shareholders=[
        {"kind": "person", "name": "张伟", "id_number": "320706198503041239", "share_percent": "60"},
        {"kind": "person", "name": "王芳", "id_number": PARTNER_ID, "share_percent": "30"},
    ])
    fields = save_error(app, world, "people", people)
    assert "people.shareholders.0.id_number" in fields
    app.refresh_from_db()
    assert app.steps_done == ["type"]  # the valid step is kept
    assert json.loads(app.data)["raw"]["people"]["shareholders"][1]["share_percent"] == "30"  # typing kept


def test_shares_must_add_up_to_exactly_100(world):
    app = start(world)
    steps = full_steps(world)
    people = dict(steps["people"], shareholders=[dict(s, share_percent="33.33") for s in steps["people"]["shareholders"]])
    fields = save_error(app, world, "people", people)
    assert "66.66" in fields["people.shareholders"][0]


@pytest.mark.parametrize("capital, fragment", [("0", "more than zero"), ("500000000000", "not plausible"), ("abc", "number")])
def test_capital_zero_or_absurd_is_refused(world, capital, fragment):
    app = start(world)
    fields = save_error(app, world, "type", dict(full_steps(world)["type"], registered_capital=capital))
    assert fragment in fields["type.registered_capital"][0]


def test_llc_capital_must_be_paid_within_five_years(world):
    app = start(world)
    late = (dt.date.today() + dt.timedelta(days=365 * 6)).isoformat()
    fields = save_error(app, world, "type", dict(full_steps(world)["type"], paid_in_deadline=late))
    assert "five years" in fields["type.paid_in_deadline"][0]


def test_licensed_scope_needs_acknowledgement(world):
    app = start(world)
    fields = save_error(app, world, "scope", {"items": ["G0001", "L0002"], "licence_ack": False})
    assert "食品经营许可证" in fields["scope.licence_ack"][0]
    services.draft_save(application=app, actor=world.founder, step="scope", data={"items": ["G0001", "L0002"], "licence_ack": True})


def test_company_shareholder_credit_code_and_legacy_code_accepted_by_staff(world):
    app = start(world)
    steps = full_steps(world)
    legacy = "91350203M0001QAY9B"  # in real use, fails the check character
    people = dict(steps["people"], shareholders=[
        {"kind": "person", "name": "张伟", "id_number": steps["people"]["legal_rep"]["id_number"], "share_percent": "50"},
        {"kind": "company", "name": "厦门某某贸易有限公司", "credit_code": legacy, "share_percent": "50"},
    ])
    fields = save_error(app, world, "people", people)
    assert "people.shareholders.1.credit_code" in fields
    with pytest.raises(NotAllowed):
        services.legacy_code_accept(application=app, actor=world.founder, credit_code=legacy)
    services.legacy_code_accept(application=app, actor=world.officers["market_regulation"], credit_code=legacy)
    services.draft_save(application=app, actor=world.founder, step="people", data=people)
    app.refresh_from_db()
    data = services.draft_data(app)
    assert "people" in app.steps_done and data["warnings"]["people"]
    good = dict(people["shareholders"][1], credit_code="91320706MA1P3K7L98")
    people["shareholders"][1] = good
    services.draft_save(application=app, actor=world.founder, step="people", data=people)


def test_submission_waits_for_every_shareholder_to_confirm(world, make_application):
    app = make_application(confirm=False, submit=False)
    rows = services.confirmations_request(application=app, actor=world.founder)
    assert {r.name: bool(r.confirmed_at) for r in rows} == {"张伟": True, "王芳": False}
    with pytest.raises(Conflict):
        services.application_submit(application=app, actor=world.founder)
    pending = [r for r in rows if not r.confirmed_at][0]
    with pytest.raises(NotAllowed):
        services.confirmation_sign(confirmation=pending, user=world.founder)
    services.confirmation_sign(confirmation=pending, user=world.partner)
    case = services.application_submit(application=app, actor=world.founder)
    assert case.state == "processing"
    codes = sorted(CaseTask.objects.filter(case=case).values_list("department_code", flat=True))
    assert codes == sorted(["bank", "housing_fund", "human_resources", "market_regulation", "medical_insurance", "public_security", "tax"])
    assert CaseTask.objects.get(case=case, department_code="bank").organisation == world.bank


def test_editing_after_confirmation_resets_it(world, make_application):
    app = make_application(confirm=True, submit=False)
    services.draft_save(application=app, actor=world.founder, step="type", data=dict(full_steps(world)["type"], registered_capital="2000000"))
    with pytest.raises(Conflict):
        services.application_submit(application=app, actor=world.founder)


def test_each_department_records_its_output_and_the_case_completes(world, make_application):
    app = make_application()
    tasks = {t.department_code: t for t in CaseTask.objects.filter(case_id=app.case_id)}
    with pytest.raises(ValidationFailed):
        services.step_complete(task=tasks["public_security"], actor=world.officers["public_security"], data={})
    with pytest.raises(NotAllowed):
        services.step_complete(task=tasks["tax"], actor=world.officers["bank"], data={"taxpayer_type": "x"})
    app = finish_all(world, app)
    assert app.state == "completed" and app.visits == 0 and app.elapsed_working_hours is not None
    assert Case.objects.get(pk=app.case_id).state == "completed"
    lic_row = BusinessLicence.objects.get(application=app)
    assert lic_row.credit_code.startswith("91320706")
    assert app.outputs["public_security"]["seal_shop"] == world.shop.name
    assert app.outputs["tax"]["taxpayer_type"] == "小规模纳税人"
    assert app.outputs["bank"]["appointment_at"]
    assert StepTiming.objects.filter(application=app).count() == 7
    assert {s.code for s in selectors.tracker(application=app)} >= {"market_regulation", "bank"}


def test_an_overdue_step_is_escalated_by_the_sla_check(world, make_application):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        app = make_application()
    task = CaseTask.objects.get(case_id=app.case_id, department_code="tax")
    assert task.due_at is not None
    with time_machine.travel(dt.datetime(2026, 3, 2, 16, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        report = sla_check()
    task.refresh_from_db()
    assert task.escalated_at is not None and any(str(task.pk) in r for r in report.escalated)
    steps = {s.code: s for s in selectors.tracker(application=app)}
    assert steps["tax"].overdue is False or steps["tax"].state == "open"


def test_licence_signature_verifies_and_tampering_is_detected(world, make_application):
    app = finish_all(world, make_application())
    licence = BusinessLicence.objects.get(application=app)
    doc = lic.signed_document(licence.payload, licence.signature)
    assert selectors.licence_verify(document=doc)["result"] == "valid"
    tampered = doc.replace("云帆", "云舟")
    assert selectors.licence_verify(document=tampered)["result"] == "tampered"
    assert selectors.licence_verify(document="not json")["result"] == "unreadable"
    services.licence_status_set(licence=licence, actor=world.officers["market_regulation"], status=LicenceStatus.REVOKED, reason="test")
    assert selectors.licence_verify(document=doc)["result"] == "revoked"


def test_pdf_carries_the_signed_licence_and_a_tampered_pdf_fails(world, make_application):
    import re
    import zlib

    app = finish_all(world, make_application())
    licence = BusinessLicence.objects.get(application=app)
    pdf = services.licence_pdf(licence=licence, verify_base_url=VERIFY)
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


def test_zero_visit_dashboard_figures(world, make_application, client):
    a = finish_all(world, make_application("云帆"))
    b = finish_all(world, make_application("星河"))
    services.visit_record(application=b, actor=world.officers["market_regulation"], reason="原件核验")
    d = selectors.zero_visit_dashboard(user=world.supervisor)
    assert d["overall"]["count"] == 2
    assert d["zero_visit_percent"] == 50.0
    assert d["districts"][0]["code"] == "320706"
    assert {s["code"] for s in d["steps"]} == {"market_regulation", "public_security", "tax", "human_resources", "medical_insurance", "housing_fund", "bank"}
    assert sum(s["slowest"] for s in d["steps"]) == 1
    expected = sorted([a.elapsed_working_hours, b.elapsed_working_hours])
    assert d["overall"]["median"] == pytest.approx(sum(expected) / 2)
    client.force_login(world.supervisor)
    assert client.get("/p/enterprise_startup/dashboard/").status_code == 200
    client.force_login(world.founder)
    assert client.get("/p/enterprise_startup/dashboard/").status_code == 403


@pytest.mark.parametrize(
    ("path", "people_over", "fragment"),
    [
        ("people.legal_rep.name", {"legal_rep": {"name": "张" * 200, "id_number": "x"}}, "200"),
        ("people.liaison.name", {"liaison": {"name": "张\u202e伟", "phone": "13900000001"}}, "invisible"),
        ("people.directors", {"directors": ["<b>张伟</b>"]}, "letters"),
        ("people.manager", {"manager": "张\u200b伟"}, "invisible"),
    ],
)
def test_start_up_names_follow_the_one_name_rule_and_are_never_cut(world, path, people_over, fragment):
    app = start(world)
    steps = full_steps(world)
    fields = save_error(app, world, "people", dict(steps["people"], **people_over))
    assert any(fragment in m for m in fields[path]), fields


def test_start_up_accepts_a_middle_dot_and_a_name_beyond_the_bmp(world):
    app = start(world)
    steps = full_steps(world)
    people = dict(steps["people"], finance={"name": "阿卜杜拉·𠮷", "phone": "13900000002"})
    services.draft_save(application=app, actor=world.founder, step="people", data=people)
    app.refresh_from_db()
    assert services.draft_data(app)["people"]["finance"]["name"] == "阿卜杜拉·𠮷"
