"""The reference data in /admin/: a change made through the admin's pages writes the audit trail
and is what the services use from then on."""

import pytest
from django.urls import reverse

from minsheng.audit.models import AuditEvent
from minsheng.identity.models import User
from minsheng.programs.enterprise_startup.models import BannedWord, ScopeItem, SealShop
from minsheng.programs.enterprise_startup.services import names


@pytest.fixture
def admin_client(client, world):
    root = User.objects.create_superuser("root", "Root-pass-2026", name="管理员")
    client.force_login(root)
    client.root = root
    return client


def check(trade_name):
    return names.name_check(region_code="320706", trade_name=trade_name, industry="科技", org_form="有限公司")


def test_banning_a_word_in_the_admin_is_audited_and_refuses_names_with_it(admin_client):
    word = BannedWord.objects.create(word="神州", kind="restricted", reason="needs approval")
    assert "trade_name" not in check("神州云").errors
    r = admin_client.post(
        reverse("admin:enterprise_startup_bannedword_change", args=[word.pk]),
        {"word": "神州", "kind": "banned", "reason": "misleading", "is_active": "on"},
    )
    assert r.status_code == 302
    assert BannedWord.objects.get(pk=word.pk).kind == "banned"
    event = AuditEvent.objects.get(event_type="admin.enterprise_startup.bannedword.change")
    assert event.actor == admin_client.root and event.target_id == str(word.pk)
    assert event.old_values == {"kind": "restricted", "reason": "needs approval"}
    assert event.new_values == {"kind": "banned", "reason": "misleading"}
    assert "神州" in " ".join(check("神州云").errors["trade_name"])  # now banned, not just restricted


def test_adding_a_scope_item_and_deleting_a_seal_shop_in_the_admin_are_audited(admin_client, world):
    r = admin_client.post(
        reverse("admin:enterprise_startup_scopeitem_add"),
        {"code": "G9001", "wording": "无人机培训", "category": "general", "industry": "教育", "is_active": "on"},
    )
    assert r.status_code == 302
    item = ScopeItem.objects.get(code="G9001")
    added = AuditEvent.objects.get(event_type="admin.enterprise_startup.scopeitem.add")
    assert added.target_id == str(item.pk) and added.new_values["wording"] == "无人机培训"

    r = admin_client.post(reverse("admin:enterprise_startup_sealshop_delete", args=[world.shop.pk]), {"post": "yes"})
    assert r.status_code == 302
    assert not SealShop.objects.filter(pk=world.shop.pk).exists()
    deleted = AuditEvent.objects.get(event_type="admin.enterprise_startup.sealshop.delete")
    assert deleted.target_id == str(world.shop.pk) and deleted.old_values["name"] == world.shop.name


def test_reference_lists_open_in_the_admin_with_translated_names(admin_client):
    page = admin_client.get(reverse("admin:app_list", args=["enterprise_startup"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert "禁限用字词" in text and "经营范围规范表述目录" in text and "备案印章刻制企业" in text
    for name in ("bannedword", "scopeitem", "sealshop"):
        assert admin_client.get(reverse(f"admin:enterprise_startup_{name}_changelist")).status_code == 200
