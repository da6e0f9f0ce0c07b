import pyotp
import pytest
from django.test import override_settings

from minsheng.audit.models import AuditEvent
from minsheng.identity import services
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import PersonRelation, User

from .conftest import make_id, sms_code

pytestmark = pytest.mark.django_db
PHONE = "13700001111"


def token_for(client, **body) -> str:
    response = client.post("/api/v1/identity/token", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    return response.json()["token"]


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def test_sms_code_for_a_token_then_me(client):
    response = client.post("/api/v1/identity/otp", {"phone": PHONE}, content_type="application/json")
    assert response.status_code == 202 and response.json()["resend_after"] > 0
    token = token_for(client, phone=PHONE, code=sms_code(PHONE), name="赵敏")
    user = User.objects.get(phone_hash=keyed_hash(PHONE))
    assert user.api_token_hash and token not in user.api_token_hash
    me = client.get("/api/v1/identity/me", **auth(token)).json()
    assert me["name"] == "赵敏" and me["phone_masked"] == "137****1111"


def test_bad_phone_is_422_in_the_error_shape(client):
    response = client.post("/api/v1/identity/otp", {"phone": "abc"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "phone" in body["fields"]


def test_wrong_password_is_422_and_anonymous_me_is_401(client):
    User.objects.create_user("clerk", "Right-pass-2026", name="窗口")
    response = client.post("/api/v1/identity/token", {"username": "clerk", "password": "nope"}, content_type="application/json")
    assert response.status_code == 422 and "password" in response.json()["fields"]
    assert token_for(client, username="clerk", password="Right-pass-2026")
    response = client.get("/api/v1/identity/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


@override_settings(RATE_LIMITS_ENABLED=True)
def test_otp_endpoint_is_rate_limited_with_the_error_shape(client):
    codes = [
        client.post("/api/v1/identity/otp", {"phone": f"1370000{i:04d}"}, content_type="application/json").status_code
        for i in range(6)
    ]
    assert codes[-1] == 429
    body = client.post("/api/v1/identity/otp", {"phone": PHONE}, content_type="application/json").json()
    assert body["code"] == "rate_limited" and body["fields"] == {}


def test_family_members_through_the_api(client):
    user = User.objects.create_user("mum", "Right-pass-2026", name="王芳")
    token = token_for(client, username="mum", password="Right-pass-2026")
    body = {"name": "王小明", "id_number": make_id(), "kind": "guardian", "detail": "儿子"}
    response = client.post("/api/v1/identity/me/relations", body, content_type="application/json", **auth(token))
    assert response.status_code == 422  # own real-name data first
    services.person_create(name="王芳", id_number=make_id(), user=user)
    response = client.post("/api/v1/identity/me/relations", body, content_type="application/json", **auth(token))
    assert response.status_code == 201
    assert response.json()["relative"]["id_number_masked"].startswith("3207****")
    response = client.post("/api/v1/identity/me/relations", body, content_type="application/json", **auth(token))
    assert response.status_code == 409
    listed = client.get("/api/v1/identity/me/relations", **auth(token)).json()
    assert [r["relative"]["name"] for r in listed] == ["王小明"]
    assert PersonRelation.objects.count() == 1
    bad = client.post("/api/v1/identity/me/relations", {**body, "id_number": "320706"}, content_type="application/json", **auth(token))
    assert bad.status_code == 422 and "id_number" in bad.json()["fields"]


def test_staff_person_endpoint_and_unmask(client, make_staff, regions):
    person = services.person_create(name="刘洋", id_number="320706194501011234", residence_region=regions["haizhou"])
    citizen = User.objects.create_user("citizen", "Right-pass-2026", name="市民")
    ctoken = token_for(client, username="citizen", password="Right-pass-2026")
    assert client.get(f"/api/v1/identity/persons/{person.pk}", **auth(ctoken)).status_code == 404
    assert citizen.pk

    make_staff("case_officer", username="officer")
    otoken = token_for(client, username="officer", password="Staff-pass-2026")
    response = client.get(f"/api/v1/identity/persons/{person.pk}", **auth(otoken))
    assert response.status_code == 200 and response.json()["id_number_masked"] == "3207**********1234"
    assert client.get("/api/v1/identity/persons/999999", **auth(otoken)).status_code == 404
    response = client.post(f"/api/v1/identity/persons/{person.pk}/unmask", {"field": "id_number", "reason": "核对材料"},
                           content_type="application/json", **auth(otoken))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"

    viewer = make_staff("pii_viewer", username="viewer", totp=True)
    vtoken = token_for(client, username="viewer", password="Staff-pass-2026")
    url = f"/api/v1/identity/persons/{person.pk}/unmask"
    response = client.post(url, {"field": "id_number", "reason": "核对材料"}, content_type="application/json", **auth(vtoken))
    assert response.status_code == 403  # no second factor with this request
    code = pyotp.TOTP(viewer.totp_secret).now()
    response = client.post(url, {"field": "id_number", "reason": "核对材料", "totp_code": code},
                           content_type="application/json", **auth(vtoken))
    assert response.status_code == 200 and response.json()["value"] == "320706194501011234"
    assert AuditEvent.objects.filter(event_type="identity.unmask", actor=viewer).count() == 1
    response = client.post(url, {"field": "passport", "reason": "核对材料", "totp_code": "123"},
                           content_type="application/json", **auth(vtoken))
    assert response.status_code == 422


def test_api_errors_are_in_chinese_by_default(client):
    from django.test import Client

    response = Client().post("/api/v1/identity/otp", {"phone": "abc"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["fields"]["phone"] == ["请输入以 1 开头的 11 位大陆手机号码，例如 138 0013 8000。"]
