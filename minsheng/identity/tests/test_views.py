import datetime as dt

import pyotp
import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.identity import services
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.identity.views import SECOND_FACTOR_KEY

from .conftest import make_id, sms_code

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def send_code(client, phone=PHONE):
    return client.post(reverse("identity:otp_request"), {"phone": phone})


def test_first_sms_sign_in_creates_the_citizen_with_a_long_session(client):
    response = send_code(client, "139 1234 5678")
    assert response.status_code == 302 and reverse("identity:otp_verify") in response["Location"]
    code = sms_code(PHONE)
    page = client.get(reverse("identity:otp_verify"))
    assert PHONE in page.content.decode()  # the phone is kept for step 2
    # Without a name the first sign-in asks for one, and the code stays usable.
    response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": code, "name": ""})
    assert response.status_code == 400
    assert "name as on the ID card" in response.content.decode()
    response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": code, "name": "阿依古丽·𠮷"})
    assert response.status_code == 302
    user = User.objects.get(phone_hash=keyed_hash(PHONE))
    assert user.name == "阿依古丽·𠮷" and not user.is_staff and not user.has_usable_password()
    assert client.session.get_expiry_age() == settings.CITIZEN_SESSION_AGE
    assert client.get(reverse("portal:profile")).status_code == 200


def test_a_code_works_once_and_wrong_codes_are_counted(client):
    User.objects.create_user(name="老用户", phone=PHONE, phone_hash=keyed_hash(PHONE))
    send_code(client)
    code = sms_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": wrong})
    assert response.status_code == 400 and "not correct" in response.content.decode()
    assert client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": code}).status_code == 302
    client.logout()
    response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": code})
    assert "expired or was never sent" in response.content.decode()


def test_five_wrong_tries_throw_the_code_away(client):
    User.objects.create_user(name="老用户", phone=PHONE, phone_hash=keyed_hash(PHONE))
    send_code(client)
    code = sms_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": wrong})
    response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": wrong})
    assert "too many times" in response.content.decode()
    response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": code})
    assert response.status_code != 302


def test_a_code_expires_after_the_ttl(client):
    User.objects.create_user(name="老用户", phone=PHONE, phone_hash=keyed_hash(PHONE))
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        send_code(client)
        code = sms_code(PHONE)
        traveller.shift(settings.OTP_TTL_SECONDS + 1)
        response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": code})
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_resend_is_throttled_per_phone(client):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        send_code(client)
        response = send_code(client)
        assert response.status_code == 400 and "seconds" in response.content.decode()
        traveller.shift(settings.OTP_RESEND_SECONDS + 1)
        assert send_code(client).status_code == 302


def test_invalid_phone_gets_a_field_message_not_an_error(client):
    response = send_code(client, "12345")
    assert response.status_code == 400
    assert "11-digit" in response.content.decode()


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_password_lockout_after_repeated_failures_says_when_to_retry(client):
    User.objects.create_user("clerk", "Right-pass-2026", name="窗口", is_staff=True)
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC), tick=False) as traveller:
        for _ in range(3):
            response = client.post(reverse("identity:login"), {"username": "clerk", "password": "wrong-one"})
            assert "wrong" in response.content.decode()
        response = client.post(reverse("identity:login"), {"username": "clerk", "password": "Right-pass-2026"})
        assert response.status_code == 400
        assert "09:10" in response.content.decode()  # 01:00 UTC + 10 min, in Asia/Shanghai
        assert "_auth_user_id" not in client.session
        traveller.shift(601)
        response = client.post(reverse("identity:login"), {"username": "clerk", "password": "Right-pass-2026"})
        assert response.status_code == 302


def test_staff_password_sign_in_keeps_the_ids_and_gets_the_short_session(client):
    User.objects.create_user("clerk", "Right-pass-2026", name="窗口", is_staff=True)
    page = client.get(reverse("identity:login")).content.decode()
    assert 'id="id_username"' in page and 'id="id_password"' in page
    response = client.post(reverse("identity:login"), {"username": "clerk", "password": "Right-pass-2026", "next": "/me/"})
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_next_to_another_site_is_ignored(client):
    User.objects.create_user("clerk", "Right-pass-2026", name="窗口")
    response = client.post(reverse("identity:login"), {"username": "clerk", "password": "Right-pass-2026", "next": "https://evil.example/"})
    assert response["Location"] == reverse("portal:home")


@override_settings(RATE_LIMITS_ENABLED=True)
def test_sms_requests_are_rate_limited_per_ip_with_a_429_page(client):
    statuses = [send_code(client, f"1391234{i:04d}").status_code for i in range(6)]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    response = send_code(client, "13912349999")
    assert response.status_code == 429 and "Too many requests" in response.content.decode()


def test_password_reset_by_sms(client):
    user = User.objects.create_user(name="老用户", phone=PHONE, phone_hash=keyed_hash(PHONE))
    response = client.post(reverse("identity:password_reset"), {"phone": PHONE})
    assert response.status_code == 302
    code = sms_code(PHONE)
    response = client.post(reverse("identity:password_reset_confirm"),
                           {"phone": PHONE, "code": code, "password": "Lyg-new-2026", "password_again": "Lyg-new-2027"})
    assert "different" in response.content.decode()
    response = client.post(reverse("identity:password_reset_confirm"),
                           {"phone": PHONE, "code": code, "password": "Lyg-new-2026", "password_again": "Lyg-new-2026"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lyg-new-2026")
    assert client.post(reverse("identity:login"), {"username": PHONE, "password": "Lyg-new-2026"}).status_code == 302


def test_citizen_sets_a_password_from_the_profile(client):
    user = User.objects.create_user(name="老用户", phone=PHONE, phone_hash=keyed_hash(PHONE))
    client.force_login(user)
    response = client.post(reverse("identity:password_set"), {"password": "123", "password_again": "123"})
    assert response.status_code == 400
    response = client.post(reverse("identity:password_set"), {"password": "Lyg-pass-77", "password_again": "Lyg-pass-77"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lyg-pass-77")


# --- second factor and unmasking ----------------------------------------------------
def test_staff_who_may_unmask_enrol_totp_after_sign_in(client, make_staff):
    officer = make_staff("pii_viewer", username="pii")
    response = client.post(reverse("identity:login"), {"username": "pii", "password": "Staff-pass-2026"})
    assert reverse("identity:totp_setup") in response["Location"]
    page = client.get(response["Location"])
    assert "<svg" in page.content.decode()
    officer.refresh_from_db()
    code = pyotp.TOTP(officer.totp_secret).now()
    response = client.post(reverse("identity:totp_setup"), {"totp_code": code})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.has_second_factor
    assert client.session[SECOND_FACTOR_KEY]


def test_person_page_masks_and_unmasks_with_reason_and_audit(client, make_staff, regions):
    person = services.person_create(name="刘洋", id_number="320706194501011234", phone="13812341234",
                                    residence_region=regions["haizhou"])
    officer = make_staff("pii_viewer", totp=True)
    client.force_login(officer)
    url = reverse("identity:person_detail", args=[person.pk])
    page = client.get(url).content.decode()
    assert "3207**********1234" in page and "320706194501011234" not in page
    # Without the second factor in this session: refused, nothing recorded.
    response = client.post(url, {"field": "id_number", "reason": "核对申请材料"})
    assert "320706194501011234" not in response.content.decode()
    assert "authenticator" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="identity.unmask").exists()
    client.post(reverse("identity:totp_verify"), {"totp_code": pyotp.TOTP(officer.totp_secret).now()})
    response = client.post(url, {"field": "id_number", "reason": "核对申请材料"})
    assert "320706194501011234" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(event_type="identity.unmask", actor=officer, target_id=str(person.pk)).count() == 1


def test_person_page_is_404_outside_the_region_and_403_for_citizens(client, make_staff, regions):
    person = services.person_create(name="刘洋", id_number=make_id(), residence_region=regions["haizhou"])
    client.force_login(make_staff("case_officer", region="lianyun"))
    assert client.get(reverse("identity:person_detail", args=[person.pk])).status_code == 404
    client.force_login(User.objects.create_user(name="市民"))
    assert client.get(reverse("identity:person_detail", args=[person.pk])).status_code == 403


# --- portal profile ------------------------------------------------------------------
def test_profile_registers_real_name_and_adds_a_child_keeping_input_on_error(client):
    user = User.objects.create_user(name="王芳", phone=PHONE, phone_hash=keyed_hash(PHONE))
    client.force_login(user)
    response = client.post(reverse("portal:profile"), {"action": "realname", "name": "王芳", "id_number": "320706194501011234"})
    assert response.status_code == 302
    page = client.get(reverse("portal:profile")).content.decode()
    assert "3207**********1234" in page and "320706194501011234" not in page
    assert "139****5678" in page
    child_number = make_id(born=dt.date(2017, 3, 1))
    bad = child_number[:-1] + ("0" if child_number[-1] != "0" else "1")
    response = client.post(reverse("portal:profile"),
                           {"action": "family", "name": "王小明", "id_number": bad, "kind": "guardian", "detail": "儿子"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "check digit" in body and 'value="王小明"' in body and f'value="{bad}"' in body
    response = client.post(reverse("portal:profile"),
                           {"action": "family", "name": "王小明", "id_number": child_number, "kind": "guardian", "detail": "儿子"})
    assert response.status_code == 302
    assert PersonRelation.objects.get().relative.name == "王小明"
    page = client.get(reverse("portal:profile")).content.decode()
    assert "王小明" in page and child_number not in page
    assert Person.objects.get(user=user) in services.persons_in_care_of(user=user)


def test_profile_links_to_totp_for_staff_who_may_unmask(client, make_staff):
    client.force_login(make_staff("pii_viewer"))
    assert reverse("identity:totp_setup") in client.get(reverse("portal:profile")).content.decode()


def test_logout_is_post_only(client):
    client.force_login(User.objects.create_user(name="市民"))
    assert client.get(reverse("identity:logout")).status_code == 405
    assert client.post(reverse("identity:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_session_expires(client):
    User.objects.create_user("clerk", "Right-pass-2026", name="窗口", is_staff=True)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(reverse("identity:login"), {"username": "clerk", "password": "Right-pass-2026"})
        assert client.get(reverse("portal:profile")).status_code == 200
        traveller.shift(settings.SESSION_COOKIE_AGE + 60)
        assert client.get(reverse("portal:profile")).status_code == 302


def test_sign_in_pages_and_errors_are_in_chinese(zh_client):
    page = zh_client.get(reverse("identity:login")).content.decode()
    assert "短信验证码登录" in page and "获取验证码" in page
    response = zh_client.post(reverse("identity:otp_request"), {"phone": "12345"})
    assert "请输入以 1 开头的 11 位大陆手机号码" in response.content.decode()
    response = zh_client.post(reverse("identity:login"), {"username": "nobody", "password": "whatever-1"})
    assert "账号或密码错误" in response.content.decode()


def test_staff_cannot_sign_in_with_an_sms_code_alone(client):
    User.objects.create_user("clerk", "Right-pass-2026", name="窗口", is_staff=True, phone=PHONE, phone_hash=keyed_hash(PHONE))
    send_code(client)
    response = client.post(reverse("identity:otp_verify"), {"phone": PHONE, "code": sms_code(PHONE)})
    assert "username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
