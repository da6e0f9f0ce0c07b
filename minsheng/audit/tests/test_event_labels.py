"""The audit trail names events in words, never by their codes (issue 19).

Every event type a service writes ("elderly_care.alarm_ack") is declared with its words:
the shared modules' in ``audit.labels.SHARED_EVENTS``, each program's on its registry entry.
The types are read from the source (``event_type="…"``), plus the few built at run time.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from minsheng.audit.labels import event_label
from minsheng.audit.services import audit_record
from minsheng.identity.models import User

SOURCE = Path(settings.BASE_DIR) / "minsheng"
# Types written from a variable: the retrofit steps, a ticket's transitions, an offer's answer,
# refusals, and the back office's and reference imports' types worded from the model.
BUILT_AT_RUN_TIME = [
    *(f"elderly_care.retrofit_{a}" for a in ("approve", "start", "accept", "pay")),
    *(f"service_halls.ticket_{a}" for a in ("call", "recall", "skip", "start", "finish", "transfer", "cancel")),
    "after_school.offer_accept", "after_school.offer_decline",
    "access.refused", "access.refusals_suppressed",
    "admin.core.holidayday.add", "admin.enterprise_startup.sealshop.delete",
    "admin.service_halls.businesstype.download", "imports.enterprise_startup.bannedword.change",
]


def written_event_types() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        found.update(t for t in re.findall(r'event_type="([a-z_.]+)"', path.read_text()) if not t.endswith((".", "_")))
    return found


def test_every_event_type_the_services_write_has_words_in_both_languages():
    types = written_event_types() | set(BUILT_AT_RUN_TIME)
    assert len(types) > 130
    for language in ("en", "zh-hans"):
        with translation.override(language):
            missing = sorted(t for t in types if not event_label(t))
            assert not missing, f"event types without words ({language}): {missing}"
            coded = sorted(t for t in types if re.fullmatch(r"[a-z_.]+", event_label(t)))
            assert not coded, coded
    with translation.override("zh-hans"):
        assert event_label("elderly_care.alarm_ack") == "响应报警"
        assert event_label("admin.core.holidayday.add").startswith("后台：")


@pytest.mark.django_db
def test_the_audit_page_shows_the_events_words_not_their_codes(client):
    admin = User.objects.create(username="root", name="管理员", is_staff=True, is_superuser=True)
    audit_record(event_type="identity.unmask", actor=admin, target_type="identity.person", target_id="1")
    audit_record(event_type="made_up.thing_done", actor=admin)
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/workbench/audit/?event_type=").content.decode()
    assert "查看完整个人信息" in page and "其他操作" in page
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "identity.unmask" not in visible and "unmask" not in visible and "thing_done" not in visible
