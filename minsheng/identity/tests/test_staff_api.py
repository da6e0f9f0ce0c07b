"""/api/v1/identity/staff: the staff pages' operations, in the same scope."""

import pytest

from minsheng.access.models import RoleAssignment
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.identity.services import staff_invite
from minsheng.workbench.tests.conftest import city  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_a_district_admin_lists_invites_grants_and_takes_within_its_district_only(client, city):  # noqa: F811
    regions, orgs, users = city
    outside = staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                           role_code="case_officer", organisation=orgs["donghai_civil"])
    client.force_login(users["district_admin"])
    listed = client.get("/api/v1/identity/staff").json()
    assert "钱七" not in {a["name"] for a in listed}
    made = client.post("/api/v1/identity/staff/invite", {
        "phone": "13812345678", "name": "王小明", "role": "case_officer",
        "organisation_id": orgs["haizhou_civil"].pk}, content_type="application/json")
    assert made.status_code == 201 and made.json()["phone_masked"] == "138****5678"
    member = User.objects.get(phone_hash=keyed_hash("13812345678"))
    refused = client.post("/api/v1/identity/staff/invite", {
        "phone": "13812345679", "name": "李四", "role": "case_officer",
        "organisation_id": orgs["donghai_civil"].pk}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"]
    granted = client.post(f"/api/v1/identity/staff/{member.pk}/roles", {
        "role": "pii_viewer", "organisation_id": orgs["haizhou_civil"].pk}, content_type="application/json")
    assert granted.status_code == 201
    assert client.post(f"/api/v1/identity/staff/{outside.user_id}/roles", {
        "role": "pii_viewer", "organisation_id": orgs["haizhou_civil"].pk},
        content_type="application/json").status_code == 404
    assert client.delete(f"/api/v1/identity/staff/assignments/{outside.pk}").status_code == 404
    assert client.delete(f"/api/v1/identity/staff/assignments/{granted.json()['id']}").status_code == 204
    assert set(RoleAssignment.objects.filter(user=member).values_list("role_id", flat=True)) == {"case_officer"}


def test_staff_without_the_administrator_role_are_refused(client, city):  # noqa: F811
    regions, orgs, users = city
    a = staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                     role_code="case_officer", organisation=orgs["donghai_civil"])
    client.force_login(a.user)
    assert client.get("/api/v1/identity/staff").status_code == 403


def test_an_administrator_sends_the_sign_in_link_again_through_the_api_within_its_scope(
    client, city, django_capture_on_commit_callbacks  # noqa: F811
):
    from minsheng.core import sms
    from minsheng.identity.models import SignInLink

    regions, orgs, users = city
    inside = staff_invite(actor=users["district_admin"], phone="13812345678", name="王小明",
                          role_code="case_officer", organisation=orgs["haizhou_civil"])
    outside = staff_invite(actor=users["city_admin"], phone="13812345670", name="钱七",
                           role_code="case_officer", organisation=orgs["donghai_civil"])
    client.force_login(users["district_admin"])
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/api/v1/identity/staff/{inside.user_id}/link")
    assert sent.status_code == 201 and sent.json()["purpose"] == "first"
    assert [m.phone for m in sms.outbox] == ["13812345678"] and "http://testserver/accounts/staff/link/" in sms.outbox[0].text
    assert SignInLink.objects.filter(user_id=inside.user_id, revoked_at__isnull=True).count() == 1
    assert client.post(f"/api/v1/identity/staff/{outside.user_id}/link").status_code == 404
