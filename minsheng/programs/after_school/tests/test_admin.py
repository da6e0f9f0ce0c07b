import pytest

from minsheng.audit.models import AuditEvent
from minsheng.identity.models import User

from ..models import FeeWaiverRule
from . import factories as f


@pytest.mark.django_db
def test_a_fee_waiver_changed_in_the_admin_is_audited(client):
    root = User.objects.create_superuser("root", "pw", name="管理员")
    client.force_login(root)
    term = f.term()
    response = client.post("/admin/after_school/feewaiverrule/add/",
                           {"category": "dibao", "term": term.pk, "waiver_percent": 100})
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = FeeWaiverRule.objects.get()
    response = client.post(f"/admin/after_school/feewaiverrule/{rule.pk}/change/",
                           {"category": "dibao", "term": term.pk, "waiver_percent": 80})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.waiver_percent == 80
    added, changed = AuditEvent.objects.filter(event_type__startswith="admin.after_school.feewaiverrule").order_by("pk")
    assert (added.event_type, changed.event_type) == ("admin.after_school.feewaiverrule.add",
                                                      "admin.after_school.feewaiverrule.change")
    assert changed.actor == root and changed.new_values == {"waiver_percent": 80}
    assert client.get("/admin/after_school/term/").status_code == 200
