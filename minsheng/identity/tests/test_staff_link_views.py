"""Staff sign-in link pages (HTTP): open the link, confirm the phone, choose a password, set up
the authenticator app and land on the workbench; the expired and used links' page; the
administrator's "send the link again"; the forgotten-password link. English and Chinese."""

import datetime as dt

import pyotp
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from minsheng.audit.models import AuditEvent
from minsheng.core import sms
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import SignInLink

from .conftest import sms_code, staff_link_path

PHONE = "13912340011"
PASSWORD = "Haizhou-river-2026"

pytestmark = pytest.mark.django_db


def link_path(phone: str = PHONE) -> str:
    return staff_link_path(phone)


@pytest.fixture
def invited(invite):
    return invite(PHONE)


def open_and_send_code(client):
    opened = client.get(link_path())
    assert opened.status_code == 302 and opened["Location"] == reverse("identity:staff_link_continue")
    sent = client.post(reverse("identity:staff_link_continue"), {"step": "code"})
    assert sent.status_code == 302
    return client.get(reverse("identity:staff_link_continue"))


def choose(client, password=PASSWORD, again=None, code=None):
    return client.post(reverse("identity:staff_link_continue"), {
        "step": "password", "code": code or sms_code(PHONE), "password": password,
        "password_again": again or password,
    })


def test_the_invited_person_confirms_the_phone_chooses_a_password_sets_up_the_app_and_lands_on_the_workbench(
    client, invited
):
    page = open_and_send_code(client)
    body = page.content.decode()
    assert page.status_code == 200 and "139****0011" in body and PHONE not in body
    assert 'name="password"' in body and 'autocomplete="new-password"' in body
    done = choose(client)
    assert done.status_code == 302
    assert done["Location"] == f"{reverse('identity:totp_setup')}?next={reverse('workbench:inbox')}"
    assert client.session["_auth_user_id"] == str(invited.pk)
    assert reverse("identity:staff_link_continue") not in client.get(done["Location"]).content.decode()
    invited.refresh_from_db()
    code = pyotp.TOTP(invited.totp_secret).now()
    enrolled = client.post(done["Location"], {"totp_code": code, "next": reverse("workbench:inbox")})
    assert enrolled.status_code == 302 and enrolled["Location"] == reverse("workbench:inbox")
    assert client.get(reverse("workbench:inbox")).status_code == 200
    invited.refresh_from_db()
    assert invited.has_second_factor and invited.check_password(PASSWORD)
    assert {"identity.staff_first_sign_in", "identity.totp_enrolled"} <= set(
        AuditEvent.objects.filter(actor=invited).values_list("event_type", flat=True))
    # The link is spent: opened again it says so, with what to do.
    client.logout()
    again = client.get(link_path())
    assert again.status_code == 410 and "already been used" in again.content.decode()


def test_a_weak_or_mistyped_password_is_shown_at_the_field_in_english(client, invited):
    open_and_send_code(client)
    response = choose(client, password="12345678")
    body = response.content.decode()
    assert response.status_code == 400
    assert "This password is entirely numeric." in body and "_auth_user_id" not in client.session
    response = choose(client, password=PASSWORD, again=PASSWORD + "x")
    assert response.status_code == 400 and "The two passwords are different." in response.content.decode()


def test_the_pages_speak_chinese(zh_client, invited):
    page = open_and_send_code(zh_client)
    body = page.content.decode()
    assert "首次登录" in body and "验证手机" in body and "保存密码并继续" in body
    response = choose(zh_client, password="password")
    django_words = "This password is too common."  # Django's own message, in Django's catalogue
    with translation.override("zh-hans"):
        common = translation.gettext(django_words)
    assert response.status_code == 400 and common in response.content.decode() and common != django_words


@pytest.mark.parametrize(("client_name", "words"), [
    ("client", ["This link has expired. Ask your administrator to send it again.", "send the link again"]),
    ("zh_client", ["此链接已过期。请联系管理员重新发送。", "重新发送链接"]),
])
def test_an_expired_link_says_what_to_do(request, invited, client_name, words):
    client = request.getfixturevalue(client_name)
    path = link_path()
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=settings.STAFF_LINK_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = client.get(path)
    body = response.content.decode()
    assert response.status_code == 410 and all(w in body for w in words)
    assert "_auth_user_id" not in client.session


def test_the_page_without_a_link_explains_and_signs_no_one_in(client, zh_client):
    assert "Open the link from your SMS" in client.get(reverse("identity:staff_link_continue")).content.decode()
    assert "请在本手机上打开短信中的链接" in zh_client.get(reverse("identity:staff_link_continue")).content.decode()
    assert client.get("/accounts/staff/link/not-a-token/").status_code == 410


def test_the_administrator_sends_the_link_again_and_the_old_one_stops(client, admin, invited, make_staff,
                                                                      django_capture_on_commit_callbacks):
    old = link_path()
    client.force_login(admin)
    page = client.get(reverse("workbench:staff_member", args=[invited.pk]))
    assert "Send the sign-in link again" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("workbench:staff_link_send", args=[invited.pk]))
    assert sent.status_code == 302 and link_path() != old
    assert client.get(old).status_code == 410
    assert SignInLink.objects.filter(user=invited, revoked_at__isnull=False).count() == 1
    outsider = make_staff("staff_admin", region="lianyun")
    client.force_login(outsider)
    assert client.post(reverse("workbench:staff_link_send", args=[invited.pk])).status_code == 404
    assert client.get(reverse("workbench:staff_link_send", args=[invited.pk])).status_code == 405


def test_a_staff_member_who_forgot_the_password_gets_a_link_and_the_second_factor_still_applies(
    client, make_staff, django_capture_on_commit_callbacks
):
    member = make_staff("case_officer", totp=True)
    member.phone, member.phone_hash = PHONE, keyed_hash(PHONE)
    member.save(update_fields=["phone", "phone_hash"])
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("identity:password_reset"), {"phone": PHONE})
    assert asked.status_code == 302 and "new password" in sms.outbox[-1].text
    open_and_send_code(client)
    done = choose(client, password="New-river-pass-2027")
    assert done["Location"] == f"{reverse('identity:totp_verify')}?next={reverse('workbench:inbox')}"
    client.logout()
    signed_in = client.post(reverse("identity:login"), {"username": PHONE, "password": "New-river-pass-2027"})
    assert signed_in.status_code == 302 and signed_in["Location"].startswith(reverse("identity:totp_verify"))


def test_the_link_pages_are_public_and_the_resend_is_for_staff_administrators():
    from django.urls import resolve

    assert resolve(reverse("identity:staff_link", args=["x"])).func.minsheng_access == "public"
    assert resolve(reverse("identity:staff_link_continue")).func.minsheng_access == "public"
    access = resolve(reverse("workbench:staff_link_send", args=[1])).func.minsheng_access
    assert access[0] == "staff" and "staff_admin" in access[1]
