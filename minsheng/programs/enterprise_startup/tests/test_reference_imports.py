"""The city's banned words and seal shops load from spreadsheets through the platform's import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.audit.models import AuditEvent
from minsheng.identity.models import User
from minsheng.imports.models import ImportJob
from minsheng.imports.services import import_start
from minsheng.regions.models import Region

from ..models import BannedWord, SealShop

pytestmark = pytest.mark.django_db


def _csv(text: str):
    return SimpleUploadedFile("list.csv", text.encode("utf-8"), content_type="text/csv")


def test_banned_words_upsert_by_word_with_row_errors_and_audit(django_capture_on_commit_callbacks):
    admin = User.objects.create_superuser("root", "x-pass-2026", name="管理员")
    BannedWord.objects.create(word="示例词甲", kind="banned")
    rows = "字词,类别,说明,启用\n示例词甲,限用,须经批准,是\n示例词乙,禁用,,\n示例词丙,随便,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="enterprise_startup.banned_words", file=_csv(rows), dry_run=False,
                           actor=admin)
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.ok, job.failed) == (2, 1), job.errors
    assert BannedWord.objects.get(word="示例词甲").kind == "restricted"
    assert BannedWord.objects.get(word="示例词乙").is_active
    assert not BannedWord.objects.filter(word="示例词丙").exists()
    assert AuditEvent.objects.filter(event_type__startswith="imports.enterprise_startup.bannedword.").count() == 2


def test_seal_shops_need_a_county_code(django_capture_on_commit_callbacks):
    admin = User.objects.create_superuser("root", "x-pass-2026", name="管理员")
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    Region.objects.create(code="320706", prefix="320706", name="海州区", level="county", parent=city)
    rows = "店名,所在县区代码,公安备案号,地址\n海州诚信刻章店,320706,GA001,朐阳路1号\n无名店,999999,GA002,\n"
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="enterprise_startup.seal_shops", file=_csv(rows), dry_run=False, actor=admin)
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.ok, job.failed) == (1, 1), job.errors
    assert SealShop.objects.get(licence_number="GA001").region_id == "320706"
