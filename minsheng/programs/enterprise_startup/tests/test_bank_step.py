"""The bank step is finished by the chosen bank's own account officer (role "bank_officer"),
who sees only their bank's steps; the officer finishing any step reads the application on the
task page (name, capital, shareholders with masked ID numbers, address, scope)."""

import pytest

from minsheng.access.models import Organisation, Role
from minsheng.cases.models import CaseTask, TaskState

from .conftest import FOUNDER_ID, staff_user


@pytest.fixture
def bank_officer(world):
    Role.objects.get_or_create(code="bank_officer", defaults={"title": "银行开户经办"})
    return staff_user("bank_clerk", "bank_officer", world.bank, world.district)


def test_a_bank_officer_sees_and_finishes_their_banks_step_from_the_page(world, make_application, bank_officer, client):
    app = make_application()
    task = CaseTask.objects.get(case_id=app.case_id, department_code="bank")
    client.force_login(bank_officer)
    listing = client.get("/p/enterprise_startup/work/")
    assert listing.status_code == 200 and f"/work/tasks/{task.pk}/" in listing.content.decode()
    other_task = CaseTask.objects.get(case_id=app.case_id, department_code="tax")
    assert f"/work/tasks/{other_task.pk}/" not in listing.content.decode()
    assert client.get(f"/p/enterprise_startup/work/tasks/{other_task.pk}/").status_code == 404
    r = client.post(f"/p/enterprise_startup/work/tasks/{task.pk}/",
                    {"appointment_at": "2026-03-03T10:00", "account_number": "6217 0001", "outcome": "done"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.result["account_number"] == "6217 0001"


def test_another_banks_officer_cannot_see_or_finish_the_step(world, make_application, client):
    Role.objects.get_or_create(code="bank_officer", defaults={"title": "银行开户经办"})
    other_bank = Organisation.objects.create(name="工商银行海州支行", kind="bank", region=world.district)
    stranger = staff_user("other_clerk", "bank_officer", other_bank, world.district)
    app = make_application()
    task = CaseTask.objects.get(case_id=app.case_id, department_code="bank")
    client.force_login(stranger)
    assert f"/work/tasks/{task.pk}/" not in client.get("/p/enterprise_startup/work/").content.decode()
    assert client.post(f"/p/enterprise_startup/work/tasks/{task.pk}/",
                       {"appointment_at": "2026-03-03T10:00", "outcome": "done"}).status_code == 404
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_the_officer_finishing_a_step_reads_the_application(world, make_application, client):
    app = make_application()
    task = CaseTask.objects.get(case_id=app.case_id, department_code="market_regulation")
    client.force_login(world.officers["market_regulation"])
    page = client.get(f"/p/enterprise_startup/work/tasks/{task.pk}/").content.decode()
    assert 'data-test="application-summary"' in page
    assert app.reservation.full_name in page
    assert "张伟" in page and "王芳" in page and "60%" in page and "40%" in page
    assert FOUNDER_ID not in page and FOUNDER_ID[-4:] in page  # masked
    assert "100" in page  # 1,000,000 yuan = 100 ten-thousand yuan
    assert "朝阳东路18号5楼501室" in page
    assert "中国银行连云港分行" in page and "海州区诚信刻章店" in page


def test_market_regulation_revokes_a_licence_from_the_page_others_cannot(world, make_application, client):
    from minsheng.programs.enterprise_startup.models import BusinessLicence, LicenceStatus

    from .conftest import finish_all

    app = finish_all(world, make_application())
    licence = BusinessLicence.objects.get(application=app)
    client.force_login(world.officers["tax"])  # a tax officer sees the file but cannot revoke
    assert 'data-test="licence-status"' not in client.get(f"/p/enterprise_startup/work/a/{app.pk}/").content.decode()
    refused = client.post(f"/api/v1/enterprise_startup/applications/{app.pk}/licence/status",
                          {"status": "revoked", "reason": "越权"}, content_type="application/json")
    assert refused.status_code == 403
    client.force_login(world.officers["market_regulation"])
    assert 'data-test="licence-status"' in client.get(f"/p/enterprise_startup/work/a/{app.pk}/").content.decode()
    client.post(f"/p/enterprise_startup/work/a/{app.pk}/", {"action": "licence_status", "status": "revoked", "reason": ""})
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.VALID  # a reason is required
    client.post(f"/p/enterprise_startup/work/a/{app.pk}/",
                {"action": "licence_status", "status": "revoked", "reason": "虚假登记"})
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.REVOKED and licence.status_changed_at is not None
    again = client.post(f"/api/v1/enterprise_startup/applications/{app.pk}/licence/status",
                        {"status": "changed", "reason": "变更"}, content_type="application/json")
    assert again.status_code == 409
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.REVOKED
