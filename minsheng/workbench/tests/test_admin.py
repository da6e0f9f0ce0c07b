"""/admin/: city-wide reference data on the one audited base, downloadable as spreadsheets."""

import csv
import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils import translation
from openpyxl import load_workbook

from minsheng.audit.admin import AuditedAdmin
from minsheng.audit.models import AuditEvent
from minsheng.core.models import HolidayDay
from minsheng.identity.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", "x-pass-2026", name="管理员")
    client.force_login(user)
    return user


def test_every_program_and_the_holiday_calendar_register_on_the_audited_base():
    program_models = [
        m for m, a in admin.site._registry.items() if m._meta.app_config.name.startswith("minsheng.programs.")
    ]
    assert {m._meta.app_label for m in program_models} == {
        c.label for c in apps.get_app_configs() if c.name.startswith("minsheng.programs.")
    }
    for model in [*program_models, HolidayDay]:
        assert isinstance(admin.site._registry[model], AuditedAdmin), model


def test_a_holiday_added_in_the_admin_is_audited(client, root):
    response = client.post("/admin/core/holidayday/add/", {
        "date": "2027-01-01", "kind": "holiday", "name": "元旦", "source": "国务院办公厅通知"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type="admin.core.holidayday.add")
    assert event.actor == root and event.new_values["name"] == "元旦"


def test_selected_rows_download_as_excel_and_csv_with_labels_and_the_download_is_audited(client, root):
    BannedWord = apps.get_model("enterprise_startup", "BannedWord")  # noqa: N806 - a model class
    words = [BannedWord.objects.create(word="示例限用词", kind="restricted", reason="须经批准"),
             BannedWord.objects.create(word="示例禁用词", kind="banned")]
    with translation.override("zh-hans"):
        response = client.post("/admin/enterprise_startup/bannedword/", {
            "action": "download_xlsx", "_selected_action": [w.pk for w in words]}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and {r[0] for r in rows[1:]} == {"示例限用词", "示例禁用词"}
    kinds = {r[0]: r[1] for r in rows[1:]}
    assert kinds["示例禁用词"] != "banned"  # the choice's label, not its code
    response = client.post("/admin/enterprise_startup/bannedword/", {
        "action": "download_csv", "_selected_action": [words[0].pk]})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in lines[1:]] == ["示例限用词"]
    downloads = AuditEvent.objects.filter(event_type="admin.enterprise_startup.bannedword.download").order_by("pk")
    assert [(e.new_values["format"], e.new_values["rows"]) for e in downloads] == [("xlsx", 2), ("csv", 1)]
