"""The back office for city-wide reference data: changes write the audit trail; used rubrics are frozen."""

import pytest
from django.urls import reverse

from minsheng.audit.models import AuditEvent

from ..models import Category, Criterion, Rubric
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(f.user("管理员", is_staff=True, is_superuser=True))
    return client


def test_changing_a_category_in_the_admin_writes_an_audit_entry(admin_client):
    cat = Category.objects.create(name="教育", order=5)
    r = admin_client.post(reverse("admin:evaluation_panels_category_change", args=[cat.pk]),
                          {"name": "教育文化", "order": "5"})
    assert r.status_code == 302
    cat.refresh_from_db()
    assert cat.name == "教育文化"
    entry = AuditEvent.objects.get(event_type="admin.evaluation_panels.category.change")
    assert entry.target_id == str(cat.pk) and entry.actor.is_superuser
    assert entry.old_values == {"name": "教育"} and entry.new_values == {"name": "教育文化"}


def test_adding_a_criterion_is_audited_and_a_zero_weight_is_refused(admin_client):
    rubric = Rubric.objects.create(name="测评表")
    url = reverse("admin:evaluation_panels_criterion_add")
    r = admin_client.post(url, {"rubric": rubric.pk, "name": "工程质量", "weight": "0", "max_score": "10", "order": "1"})
    assert r.status_code == 200 and "weight greater than 0" in r.content.decode()
    assert not Criterion.objects.exists()
    r = admin_client.post(url, {"rubric": rubric.pk, "name": "工程质量", "weight": "30", "max_score": "10", "order": "1"})
    assert r.status_code == 302
    assert AuditEvent.objects.filter(event_type="admin.evaluation_panels.criterion.add").count() == 1


def test_a_second_default_rubric_is_refused(admin_client):
    Rubric.objects.create(name="默认测评表", is_default=True)
    r = admin_client.post(reverse("admin:evaluation_panels_rubric_add"), {
        "name": "新测评表", "is_default": "on",
        "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0",
    })
    assert r.status_code == 200 and "already the default rubric" in r.content.decode()
    assert Rubric.objects.filter(is_default=True).count() == 1


def test_the_rubric_page_lists_its_criteria(admin_client):
    rubric = f.rubric()
    r = admin_client.get(reverse("admin:evaluation_panels_rubric_change", args=[rubric.pk]))
    assert r.status_code == 200 and "工程质量" in r.content.decode()


def test_the_criteria_of_a_used_rubric_cannot_change(admin_client):
    ev = f.evaluation(f.project())
    criterion = ev.rubric.criteria.first()
    change = reverse("admin:evaluation_panels_criterion_change", args=[criterion.pk])
    admin_client.post(change, {"rubric": ev.rubric.pk, "name": "改名", "weight": "99", "max_score": "10", "order": "1"})
    criterion.refresh_from_db()
    assert criterion.weight == 40 and criterion.name == "项目完成度"
    assert admin_client.get(reverse("admin:evaluation_panels_criterion_delete", args=[criterion.pk])).status_code == 403
    r = admin_client.post(reverse("admin:evaluation_panels_criterion_add"),
                          {"rubric": ev.rubric.pk, "name": "新增", "weight": "10", "max_score": "10", "order": "9"})
    assert r.status_code == 200 and ev.rubric.criteria.count() == 3
    assert not AuditEvent.objects.filter(event_type__startswith="admin.evaluation_panels.criterion").exists()
