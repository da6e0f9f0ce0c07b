import pytest
from django.urls import reverse

from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.identity import services
from minsheng.identity.models import User

from .conftest import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", "Root-pass-2026", name="管理员"))
    return client


def test_person_admin_masks_numbers_and_finds_by_exact_id_number(admin_client):
    target = services.person_create(name="刘洋", id_number="320706194501011234", phone="13812341234")
    services.person_create(name="刘洋", id_number=make_id())
    page = admin_client.get(reverse("admin:identity_person_changelist")).content.decode()
    assert "3207**********1234" in page and "138****1234" in page
    assert "320706194501011234" not in page and "13812341234" not in page
    found = admin_client.get(reverse("admin:identity_person_changelist"), {"q": "320706 19450101 1234"})
    assert list(found.context["cl"].result_list) == [target]
    detail = admin_client.get(reverse("admin:identity_person_change", args=[target.pk])).content.decode()
    assert "320706194501011234" not in detail and "3207**********1234" in detail


def test_user_admin_shows_masked_phone_and_searches_by_phone(admin_client):
    from minsheng.identity.crypto import keyed_hash

    user = User.objects.create_user(name="赵敏", phone="13700001111", phone_hash=keyed_hash("13700001111"))
    page = admin_client.get(reverse("admin:identity_user_changelist")).content.decode()
    assert "137****1111" in page and "13700001111" not in page
    found = admin_client.get(reverse("admin:identity_user_changelist"), {"q": "137 0000 1111"})
    assert list(found.context["cl"].result_list) == [user]


def test_audit_admin_is_read_only_even_for_superusers(admin_client):
    event = audit_record(event_type="identity.unmask", target_type="identity.person", target_id="1", target_label="刘洋")
    changelist = admin_client.get(reverse("admin:audit_auditevent_changelist"), {"q": "刘洋"})
    assert changelist.status_code == 200 and list(changelist.context["cl"].result_list) == [event]
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert admin_client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    admin_client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"event_type": "x"})
    assert AuditEvent.objects.get(pk=event.pk).event_type == "identity.unmask"
