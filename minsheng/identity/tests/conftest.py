import datetime as dt
import itertools
import re

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from minsheng.access.models import Organisation
from minsheng.access.services import role_assign, roles_sync
from minsheng.core import sms
from minsheng.identity.idnumbers import id_number_make
from minsheng.identity.models import User
from minsheng.regions.models import Region

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def clean_state():
    """Fresh counters and outbox; messages in English so assertions read like the msgids.

    Chinese output is checked by the tests named ``…_in_chinese``.
    """
    cache.clear()
    sms.outbox.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def zh_client():
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture
def regions(db):
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    haizhou = Region.objects.create(code="320706", prefix="320706", name="海州区", level="county", parent=city)
    lianyun = Region.objects.create(code="320703", prefix="320703", name="连云区", level="county", parent=city)
    return {"city": city, "haizhou": haizhou, "lianyun": lianyun}


def make_id(sequence: int | None = None, *, region="320706", born=dt.date(1980, 5, 17)) -> str:
    return id_number_make(region_code=region, birth_date=born, sequence=sequence or next(_seq) % 1000)


def sms_code(phone: str) -> str:
    """The newest 6-digit code sent to ``phone`` (in English or Chinese text, where no word
    boundary separates the digits from the characters around them)."""
    message = [m for m in sms.outbox if m.phone == phone][-1]
    return re.search(r"(?<!\d)(\d{6})(?!\d)", message.text).group(1)


def staff_link_path(phone: str) -> str:
    """The path of the newest staff sign-in link sent to ``phone``, read from the SMS as the
    person reads it."""
    text = [m for m in sms.outbox if m.phone == phone and "/accounts/staff/link/" in m.text][-1].text
    return re.search(r"(/accounts/staff/link/[\w-]+/)", text).group(1)


@pytest.fixture
def make_staff(regions):
    def build(*roles, region="haizhou", username=None, totp=False):
        roles_sync()
        user = User.objects.create_user(username or f"staff{next(_seq)}", "Staff-pass-2026", name="工作人员", is_staff=True)
        org = Organisation.objects.create(name="海州区民政局", kind="department", region=regions[region])
        for role in roles:
            role_assign(user=user, role_code=role, organisation=org, region=regions[region])
        if totp:
            user.totp_secret = pyotp.random_base32()
            user.totp_confirmed_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
            user.save(update_fields=["totp_secret", "totp_confirmed_at"])
        return user

    return build


@pytest.fixture
def admin(make_staff):
    """A staff administrator of 海州区民政局 who invites the staff of the link tests."""
    return make_staff("staff_admin")


@pytest.fixture
def invite(admin, django_capture_on_commit_callbacks):
    """Invite a case officer of 海州区民政局 by phone, sending the SMS; returns the account."""
    from minsheng.identity import services
    from minsheng.identity.crypto import keyed_hash

    def run(phone: str, name: str = "周敏") -> User:
        with django_capture_on_commit_callbacks(execute=True):
            services.staff_invite(actor=admin, phone=phone, name=name, role_code="case_officer",
                                  organisation=Organisation.objects.get(name="海州区民政局"))
        return User.objects.get(phone_hash=keyed_hash(phone))

    return run
