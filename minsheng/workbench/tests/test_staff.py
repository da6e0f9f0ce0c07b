"""Staff management: administrators act only within their own organisation and region subtree."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from minsheng.access.models import RoleAssignment
from minsheng.audit.models import AuditEvent
from minsheng.core import sms
from minsheng.core.errors import NotAllowed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.identity.services import staff_invite, staff_role_revoke

pytestmark = pytest.mark.django_db


def test_a_district_admin_invites_by_phone_within_its_district_audited_and_told_by_sms(
    city, django_capture_on_commit_callbacks
):
    regions, orgs, users = city
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        a = staff_invite(actor=users["district_admin"], phone="13812345678", name="王小明",
                         role_code="case_officer", organisation=orgs["haizhou_civil"])
    assert [m.phone for m in sms.outbox] == ["13812345678"] and "海州区民政局" in sms.outbox[0].text
    user = User.objects.get(phone_hash=keyed_hash("13812345678"))
    assert a.user == user and user.is_staff and not user.has_usable_password()
    assert (a.role_id, a.organisation, a.region_id) == ("case_officer", orgs["haizhou_civil"], "320706")
    events = list(
        AuditEvent.objects.filter(actor=users["district_admin"]).order_by("pk").values_list("event_type", flat=True)
    )
    assert events == ["access.role_assigned", "identity.staff_invited", "identity.staff_link_issued"]
    # The invitation carries the first sign-in link, not an SMS-code sign-in staff cannot use.
    assert "/accounts/staff/link/" in sms.outbox[0].text and "SMS code" not in sms.outbox[0].text
    invited = AuditEvent.objects.get(event_type="identity.staff_invited")
    assert "13812345678" not in str(invited.new_values)  # the number is masked in the trail


def test_a_district_admin_cannot_grant_in_another_district_or_above_itself(city):
    regions, orgs, users = city
    with pytest.raises(NotAllowed):
        staff_invite(actor=users["district_admin"], phone="13812345679", name="李四",
                     role_code="case_officer", organisation=orgs["donghai_civil"])
    with pytest.raises(NotAllowed):  # its organisation is in the district, the scope is the city
        staff_invite(actor=users["district_admin"], phone="13812345679", name="李四",
                     role_code="case_officer", organisation=orgs["haizhou_civil"], region="320700")
    with pytest.raises(NotAllowed):  # the platform administrator's role is a superuser's to give
        staff_invite(actor=users["city_admin"], phone="13812345679", name="李四",
                     role_code="admin", organisation=orgs["gov"])
    assert not User.objects.filter(phone_hash=keyed_hash("13812345679")).exists()


def test_an_organisation_admin_grants_only_in_its_own_organisation(city):
    regions, orgs, users = city
    staff_invite(actor=users["school_admin"], phone="13812340001", name="张老师",
                 role_code="teacher", organisation=orgs["school"])
    with pytest.raises(NotAllowed):
        staff_invite(actor=users["school_admin"], phone="13812340002", name="赵老师",
                     role_code="teacher", organisation=orgs["other_school"])


def test_taking_the_last_role_ends_staff_status_and_the_city_admin_may_take_a_district_role(city):
    regions, orgs, users = city
    a = staff_invite(actor=users["district_admin"], phone="13812345678", name="王小明",
                     role_code="case_officer", organisation=orgs["haizhou_civil"])
    other = staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                         role_code="case_officer", organisation=orgs["donghai_civil"])
    with pytest.raises(NotAllowed):
        staff_role_revoke(actor=users["district_admin"], assignment=other)
    staff_role_revoke(actor=users["city_admin"], assignment=a)
    a.user.refresh_from_db()
    assert not a.user.is_staff and not RoleAssignment.objects.filter(user=a.user).exists()
    assert AuditEvent.objects.filter(event_type="identity.staff_removed", target_id=str(a.user.pk)).exists()


def test_the_staff_page_shows_only_the_admins_scope_and_invites_through_the_form(client, city):
    regions, orgs, users = city
    staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                 role_code="case_officer", organisation=orgs["donghai_civil"])
    client.force_login(users["district_admin"])
    page = client.get(reverse("workbench:staff"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "钱七" not in body and "district_admin" in body
    response = client.post(reverse("workbench:staff"), {
        "phone": "13812345678", "name": "王小明", "role": "case_officer",
        "organisation": orgs["haizhou_civil"].pk, "region": ""})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user__name="王小明", organisation=orgs["haizhou_civil"]).exists()
    refused = client.post(reverse("workbench:staff"), {
        "phone": "13812345671", "name": "孙八", "role": "case_officer",
        "organisation": orgs["donghai_civil"].pk, "region": ""})
    assert refused.status_code == 422  # not among the organisations it may choose
    assert not User.objects.filter(name="孙八").exists()


def test_a_member_outside_the_scope_is_not_found_and_cannot_be_removed(client, city):
    regions, orgs, users = city
    other = staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                         role_code="case_officer", organisation=orgs["donghai_civil"])
    client.force_login(users["district_admin"])
    assert client.get(reverse("workbench:staff_member", args=[other.user_id])).status_code == 404
    assert client.post(reverse("workbench:staff_remove", args=[other.user_id])).status_code == 404
    assert RoleAssignment.objects.filter(pk=other.pk).exists()
    client.force_login(users["city_admin"])
    assert client.post(reverse("workbench:staff_remove", args=[other.user_id])).status_code == 302
    assert not RoleAssignment.objects.filter(pk=other.pk).exists()


def test_staff_without_the_role_get_403(client, city):
    regions, orgs, users = city
    a = staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                     role_code="case_officer", organisation=orgs["donghai_civil"])
    client.force_login(a.user)
    assert client.get(reverse("workbench:staff")).status_code == 403


def test_the_staff_list_downloads_as_csv_and_excel_with_the_pages_filters_audited(client, city):
    regions, orgs, users = city
    staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                 role_code="case_officer", organisation=orgs["donghai_civil"])
    staff_invite(actor=users["city_admin"], phone="13812345671", name="孙八",
                 role_code="pii_viewer", organisation=orgs["haizhou_civil"])
    client.force_login(users["city_admin"])
    response = client.get(reverse("workbench:staff"), {"role": "case_officer", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["钱七"]
    assert rows[1][2] == "138****5670"  # masked, as on screen
    response = client.get(reverse("workbench:staff"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"钱七", "孙八", "district_admin"} <= names
    exports = AuditEvent.objects.filter(event_type="exports.download").order_by("pk")
    assert [e.new_values["format"] for e in exports] == ["csv", "xlsx"]
    assert exports[0].new_values["filters"] == {"role": "case_officer"} and exports[0].new_values["rows"] == 1


def test_a_long_list_is_written_in_the_background_with_progress_for_its_owner_only(
    client, city, settings, django_capture_on_commit_callbacks
):
    regions, orgs, users = city
    settings.EXPORT_INLINE_ROWS = 2
    client.force_login(users["city_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("workbench:staff"), {"export": "xlsx"})
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url)
    assert page.status_code == 200 and "progress" in page.content.decode()
    from minsheng.imports.models import ExportJob

    job = ExportJob.objects.get()
    assert job.state == "done" and job.processed == job.total == 3  # tasks run eagerly in tests
    download = client.get(reverse("imports:export_download", args=[job.pk]))
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.max_row == 4
    client.force_login(users["district_admin"])
    assert client.get(job_url).status_code == 404
    assert client.get(reverse("imports:export_download", args=[job.pk])).status_code == 404
    assert AuditEvent.objects.filter(event_type="exports.started", actor=users["city_admin"]).exists()


def test_the_staff_page_costs_the_same_statements_with_more_staff(client, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    regions, orgs, users = city
    client.force_login(users["city_admin"])

    def statements() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("workbench:staff")).status_code == 200
        return len(captured)

    names = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥东西"
    for n in range(3):
        staff_invite(actor=users["city_admin"], phone=f"1381234{n:04d}", name=f"员工{names[n]}",
                     role_code="case_officer", organisation=orgs["haizhou_civil"])
    few = statements()
    for n in range(3, 23):
        staff_invite(actor=users["city_admin"], phone=f"1381234{n:04d}", name=f"员工{names[n]}",
                     role_code="case_officer", organisation=orgs["donghai_civil"])
    assert statements() == few


def test_a_role_that_declares_a_grant_gives_that_role_only_within_its_own_organisation(city):
    from minsheng.access.models import Role
    from minsheng.access.selectors import staff_admin_may_grant
    from minsheng.access.services import role_assign

    r, o, users = city
    Role.objects.update_or_create(code="grantor", defaults={"title": "x", "permissions": ["access.grant:case_officer"]})
    root = User.objects.get(username="root")
    head = User.objects.create_user("head", "x-pass-2026", name="head")
    role_assign(user=head, role_code="grantor", organisation=o["school"], region=r["haizhou"], actor=root)
    may = lambda role, org, region: staff_admin_may_grant(user=head, role_code=role, organisation=org, region=region)  # noqa: E731
    assert may("case_officer", o["school"], r["haizhou"])
    assert not may("supervisor", o["school"], r["haizhou"])  # only the role it declares
    assert not may("case_officer", o["other_school"], r["haizhou"])  # only its own organisation
    assert not may("case_officer", o["school"], r["donghai"])  # only inside its region


def test_the_staff_and_organisation_pages_give_each_element_its_own_id(client, city):
    """The filter form and the invite (or create) form have fields of the same names; a
    label must point at one field only (screen readers, and a tap on the label)."""
    import re
    from collections import Counter

    _regions, _orgs, users = city
    client.force_login(users["city_admin"])
    for name in ("workbench:staff", "workbench:organisations"):
        body = client.get(reverse(name)).content.decode()
        ids = Counter(re.findall(r'\sid="([^"]+)"', body))
        assert 'id="filter_q"' in body, name
        assert [i for i, n in ids.items() if n > 1] == [], name
