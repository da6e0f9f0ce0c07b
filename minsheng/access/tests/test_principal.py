"""A change to an account takes effect on its very next request: deactivation, a new
password, a removed, added or expired role, new and read messages
(minsheng.access.principal; Django's sessions and authentication).
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.access.principal import held_assignments
from minsheng.access.selectors import user_has_permission
from minsheng.access.services import role_assign, role_revoke, roles_sync
from minsheng.identity.models import Person, User
from minsheng.notifications.models import Notification
from minsheng.notifications.services import notification_mark_read
from minsheng.regions.models import Region

pytestmark = pytest.mark.django_db

HOME = "/"  # the portal home: the layout only (top bar, unread count), no query of its own
INBOX = reverse("workbench:inbox")  # a @staff() page


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    roles_sync()
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    org = Organisation.objects.create(name="连云港市民政局", kind="department", region=city)
    clerk = User.objects.create_user("clerk", "x-pass-2026", name="窗口", is_staff=True)
    root = User.objects.create_superuser("root", "x-pass-2026", name="管理员")
    role_assign(user=clerk, role_code="case_officer", organisation=org, region=city, actor=root)
    return city, org, clerk, root


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def statements(client, url) -> list[str]:
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200
    return seen



def test_deactivated_account_is_refused_on_the_next_request(world):
    _city, _org, clerk, _root = world
    client = signed_in(clerk)
    assert client.get(INBOX).status_code == 200
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    response = client.get(INBOX)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("identity:login")
    )


def test_changed_password_ends_other_sessions_on_their_next_request(world):
    _city, _org, clerk, _root = world
    other_device = signed_in(clerk)
    this_device = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert (
        this_device.post(
            reverse("identity:login"), {"username": "clerk", "password": "x-pass-2026"}
        ).status_code
        == 302
    )
    assert other_device.get(INBOX).status_code == 200
    assert this_device.get(INBOX).status_code == 200
    response = this_device.post(
        reverse("identity:password_set"),
        {"password": "another-pass-2027", "password_again": "another-pass-2027"},
    )
    assert response.status_code == 302
    # The device that changed it stays signed in (its session got the new hash) …
    assert this_device.get(INBOX).status_code == 200
    # … every other session ends.
    assert other_device.get(INBOX).status_code == 302


def test_password_set_outside_a_request_ends_the_session_too(world):
    _city, _org, clerk, _root = world
    client = signed_in(clerk)
    assert client.get(INBOX).status_code == 200
    user = User.objects.get(pk=clerk.pk)
    user.set_password("reset-by-admin-2027")
    user.save()
    assert client.get(INBOX).status_code == 302


def test_removed_role_loses_access_on_the_next_request(world):
    city, org, clerk, root = world
    client = signed_in(clerk)
    assert client.get(INBOX).status_code == 200
    role_revoke(user=clerk, role_code="case_officer", organisation=org, region=city, actor=root)
    assert client.get(INBOX).status_code == 403


def test_assignment_deleted_directly_or_by_cascade_loses_access(world):
    city, org, clerk, _root = world
    client = signed_in(clerk)
    assert client.get(INBOX).status_code == 200
    RoleAssignment.objects.filter(user=clerk).delete()
    assert client.get(INBOX).status_code == 403


def test_new_role_gives_access_on_the_next_request(world):
    city, org, _clerk, root = world
    newcomer = User.objects.create_user("new", "x-pass-2026", name="新人", is_staff=True)
    client = signed_in(newcomer)
    assert client.get(INBOX).status_code == 403
    role_assign(user=newcomer, role_code="case_officer", organisation=org, region=city, actor=root)
    assert client.get(INBOX).status_code == 200


def test_assignment_ending_yesterday_no_longer_counts(world):
    _city, _org, clerk, _root = world
    client = signed_in(clerk)
    assert client.get(INBOX).status_code == 200
    assignment = RoleAssignment.objects.get(user=clerk)
    assignment.valid_to = timezone.localdate() - dt.timedelta(days=1)
    assignment.save(update_fields=["valid_to"])
    assert client.get(INBOX).status_code == 403


def test_validity_dates_are_checked_at_use(world, monkeypatch):
    _city, _org, clerk, _root = world
    RoleAssignment.objects.filter(user=clerk).update(valid_to=timezone.localdate())
    client = signed_in(clerk)
    assert client.get(INBOX).status_code == 200
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    assert client.get(INBOX).status_code == 403


def test_changed_role_permissions_apply_at_once(world):
    city, org, clerk, root = world
    role_assign(user=clerk, role_code="pii_viewer", organisation=org, region=city, actor=root)
    user = User.objects.get(pk=clerk.pk)
    assert user_has_permission(user=user, permission="identity.unmask")
    role = Role.objects.get(code="pii_viewer")
    role.permissions = []
    role.save(update_fields=["permissions"])
    assert not user_has_permission(user=User.objects.get(pk=clerk.pk), permission="identity.unmask")



def test_unread_count_follows_new_and_read_messages(world):
    _city, _org, clerk, _root = world
    person = Person.objects.create(name="窗口", user=clerk)
    client = signed_in(clerk)
    assert b'data-test="unread-count"' not in client.get(HOME).content
    Notification.objects.create(recipient=clerk, template="t", title="甲", dedupe_key="a")
    Notification.objects.create(person=person, template="t", title="乙", dedupe_key="b")
    assert b'data-test="unread-count">2<' in client.get(HOME).content
    notification_mark_read(user=clerk)
    assert b'data-test="unread-count"' not in client.get(HOME).content


def test_unread_count_moves_with_the_person(world):
    _city, _org, clerk, _root = world
    other = User.objects.create_user("other", "x-pass-2026", name="别人")
    person = Person.objects.create(name="窗口", user=clerk)
    Notification.objects.create(person=person, template="t", title="甲", dedupe_key="a")
    client = signed_in(clerk)
    assert b'data-test="unread-count">1<' in client.get(HOME).content
    person = Person.objects.get(pk=person.pk)
    person.user = other
    person.save()
    assert b'data-test="unread-count"' not in client.get(HOME).content
    assert b'data-test="unread-count">1<' in signed_in(other).get(HOME).content






def test_held_assignments_match_the_query(world):
    city, org, clerk, root = world
    role_assign(
        user=clerk,
        role_code="pii_viewer",
        organisation=org,
        region=city,
        actor=root,
        valid_from=timezone.localdate() + dt.timedelta(days=3),
    )
    from minsheng.access.selectors import active_assignments

    user = User.objects.get(pk=clerk.pk)
    for roles in (None, ["case_officer"], ["pii_viewer"], ["no_such_role"]):
        cached = held_assignments(user=user, roles=roles)
        assert [a.pk for a in cached] == sorted(
            active_assignments(user=user, roles=roles).values_list("pk", flat=True)
        )
        assert all(a.region.prefix == "3207" and a.organisation.name for a in cached)



def test_an_update_that_sends_no_signal_counts_on_the_next_request(world):
    """Nothing is cached across requests, so a bulk UPDATE needs no invalidation."""
    _city, _org, clerk, _root = world
    client = signed_in(clerk)
    assert client.get(INBOX).status_code == 200
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    assert client.get(INBOX).status_code == 302
