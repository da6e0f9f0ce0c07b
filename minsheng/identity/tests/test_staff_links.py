"""Staff sign-in links (services): the invitation's first sign-in link and the forgotten-password
link work once, expire, are replaced by the next one, need the SMS code of the invited phone,
and every step writes the audit trail."""

import datetime as dt
import threading

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from minsheng.access.models import Organisation
from minsheng.audit.models import AuditEvent
from minsheng.core import sms
from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.identity import services
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import SignInLink, User
from minsheng.identity.services import LinkNotValid

from .conftest import sms_code, staff_link_path

PHONE = "13912340001"
PASSWORD = "Haizhou-river-2026"
NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def link_token(phone: str = PHONE) -> str:
    """The token of the newest link sent to ``phone`` (read from the SMS, as the person does)."""
    return staff_link_path(phone).rstrip("/").rsplit("/", 1)[1]


def redeem(token: str, *, phone: str = PHONE, password: str = PASSWORD) -> User:
    services.staff_link_code_send(token=token)
    return services.staff_link_redeem(token=token, code=sms_code(phone), password=password,
                                      password_again=password)


def test_the_invitation_sms_carries_a_link_without_the_account_number_and_only_its_hash_is_stored(invite):
    user = invite(PHONE)
    message = sms.outbox[-1]
    assert message.phone == PHONE and message.template == "staff_invited"
    assert "SMS code" not in message.text and "72" in message.text
    token = link_token()
    assert str(user.pk) not in token.split("-")
    link = SignInLink.objects.get(user=user)
    assert link.purpose == "first" and link.token_hash != token and token not in str(link.__dict__)
    assert link.expires_at - link.created_at == dt.timedelta(hours=settings.STAFF_LINK_HOURS)
    issued = AuditEvent.objects.get(event_type="identity.staff_link_issued")
    assert issued.target_id == str(user.pk) and issued.new_values["purpose"] == "first"
    assert PHONE not in str(issued.new_values)


def test_the_link_sets_the_password_once_and_is_audited(invite):
    user = invite(PHONE)
    token = link_token()
    signed_in = redeem(token)
    assert signed_in == user and signed_in.check_password(PASSWORD)
    assert SignInLink.objects.get(user=user).used_at is not None
    assert AuditEvent.objects.filter(event_type="identity.staff_first_sign_in", actor=user,
                                     target_id=str(user.pk)).count() == 1
    with pytest.raises(LinkNotValid) as used:
        services.staff_link_find(token=token)
    assert used.value.reason == "used"
    with pytest.raises(LinkNotValid):
        services.staff_link_redeem(token=token, code="123456", password="Other-pass-2026",
                                   password_again="Other-pass-2026")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_link_expires_after_its_hours(invite):
    with time_machine.travel(NOON, tick=False) as traveller:
        invite(PHONE)
        token = link_token()
        traveller.shift(dt.timedelta(hours=settings.STAFF_LINK_HOURS) - dt.timedelta(minutes=1))
        assert services.staff_link_find(token=token)
        traveller.shift(dt.timedelta(minutes=2))
        with pytest.raises(LinkNotValid) as expired:
            services.staff_link_code_send(token=token)
    assert expired.value.reason == "expired" and "administrator" in expired.value.message
    assert not [m for m in sms.outbox if "staff sign-in link is" in m.text]  # no code went out


def test_sending_the_link_again_replaces_the_earlier_one_and_is_audited(invite, admin, django_capture_on_commit_callbacks):
    user = invite(PHONE)
    first = link_token()
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_link_resend(actor=admin, user=user)
    second = link_token()
    assert second != first
    with pytest.raises(LinkNotValid) as replaced:
        services.staff_link_find(token=first)
    assert replaced.value.reason == "replaced"
    assert redeem(second) == user
    events = AuditEvent.objects.filter(event_type="identity.staff_link_issued", target_id=str(user.pk))
    assert [e.new_values["sent_again"] for e in events.order_by("pk")] == [False, True]
    assert events.order_by("pk").last().actor == admin


def test_an_administrator_of_another_district_cannot_send_the_link(invite, make_staff):
    user = invite(PHONE)
    other = make_staff("staff_admin", region="lianyun")
    with pytest.raises(NotAllowed):
        services.staff_link_resend(actor=other, user=user)
    assert SignInLink.objects.filter(user=user).count() == 1


def test_another_persons_code_does_not_open_the_link(invite):
    invite(PHONE)
    token = link_token()
    invite(phone="13912340002", name="吴刚")
    services.staff_link_code_send(token=token)  # the code goes to the invited phone only
    assert [m.phone for m in sms.outbox if "staff sign-in link is" in m.text] == [PHONE]
    # Someone holding the forwarded link asks a code for their own number, and tries it.
    services.otp_request(phone="13912340002")
    with pytest.raises(ValidationFailed) as wrong:
        services.staff_link_redeem(token=token, code=sms_code("13912340002"), password=PASSWORD,
                                   password_again=PASSWORD)
    assert "code" in wrong.value.fields
    assert SignInLink.objects.get(token_hash__isnull=False, user__phone_hash=keyed_hash(PHONE)).used_at is None


def test_a_weak_password_is_refused_at_the_field_and_the_link_still_works(invite):
    invite(PHONE)
    token = link_token()
    services.staff_link_code_send(token=token)
    with pytest.raises(ValidationFailed) as weak:
        services.staff_link_redeem(token=token, code=sms_code(PHONE), password="12345678",
                                   password_again="12345678")
    assert weak.value.fields["password"]
    assert services.staff_link_find(token=token)


def test_a_staff_member_who_forgot_the_password_gets_a_reset_link_rate_limited(
    invite, django_capture_on_commit_callbacks
):
    user = invite(PHONE)
    redeem(link_token())
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.otp_request(phone=PHONE, purpose="reset")
        services.otp_request(phone=PHONE, purpose="reset")  # within the resend window: nothing more
    assert len(sms.outbox) == 1 and "new password" in sms.outbox[0].text
    link = SignInLink.objects.filter(user=user).latest("pk")
    assert link.purpose == "reset"
    assert link.expires_at - link.created_at == dt.timedelta(hours=settings.STAFF_RESET_LINK_HOURS)
    redeem(link_token(), password="New-river-pass-2027")
    user.refresh_from_db()
    assert user.check_password("New-river-pass-2027")
    reset = AuditEvent.objects.filter(event_type="identity.password_reset", target_id=str(user.pk)).get()
    assert reset.new_values["by"] == "sign-in link"


def test_an_unknown_number_asking_a_reset_gets_the_same_answer_and_no_sms(db):
    assert services.otp_request(phone="13912349999", purpose="reset") == settings.OTP_RESEND_SECONDS
    assert sms.outbox == []


def test_inviting_existing_staff_to_one_more_role_sends_no_new_link(invite, admin, django_capture_on_commit_callbacks):
    user = invite(PHONE)
    redeem(link_token())
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_invite(actor=admin, phone=PHONE, name="周敏", role_code="supervisor",
                              organisation=Organisation.objects.get(name="海州区民政局"))
    assert SignInLink.objects.filter(user=user).count() == 1
    assert "password" in sms.outbox[-1].text and "/accounts/staff/link/" not in sms.outbox[-1].text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="real concurrency needs PostgreSQL; runs in the PostgreSQL CI pass")
def test_two_browsers_using_one_link_at_once_set_one_password(make_staff):
    admin = make_staff("staff_admin")
    services.staff_invite(actor=admin, phone=PHONE, name="周敏", role_code="case_officer",
                          organisation=Organisation.objects.get(name="海州区民政局"))
    token = link_token()
    services.staff_link_code_send(token=token)
    code = sms_code(PHONE)
    results, barrier = [], threading.Barrier(2)

    def use(password):
        barrier.wait()
        try:
            services.staff_link_redeem(token=token, code=code, password=password, password_again=password)
            results.append("ok")
        except (LinkNotValid, ValidationFailed):
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=use, args=(p,)) for p in ("First-river-2026", "Second-river-2026")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == ["ok", "refused"]
