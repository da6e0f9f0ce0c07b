import csv
import io

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.audit import db as audit_db
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.identity.models import User
from minsheng.regions.models import Region


@pytest.fixture
def city(db):
    return Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")


def staff_with(username, role, city):
    Role.objects.get_or_create(code=role, defaults={"title": role})
    org = Organisation.objects.get_or_create(name="市政务办", kind="department", region=city)[0]
    user = User.objects.create_user(username, "pw", name=f"{username}姓名", is_staff=True)
    RoleAssignment.objects.create(user=user, role_id=role, organisation=org, region=city)
    return user


def _install_sqlite_delete_trigger():
    # The test database leaves out the SQLite DELETE trigger (see migration
    # 0003); create it inside this test's transaction, which rolls it back.
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute(audit_db.SQLITE_DELETE)


@pytest.mark.django_db
def test_the_database_refuses_to_update_an_audit_row():
    event = audit_record(event_type="cases.transition", target_type="cases.case", target_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(event_type="cases.forged")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE audit_auditevent SET new_values = '{}' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.event_type == "cases.transition"


@pytest.mark.django_db
def test_the_database_refuses_to_delete_an_audit_row():
    _install_sqlite_delete_trigger()
    event = audit_record(event_type="cases.transition")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_removing_an_account_keeps_its_audit_entries_with_the_name():
    _install_sqlite_delete_trigger()
    user = User.objects.create_user("gone", name="离职人员")
    event = audit_record(event_type="identity.unmask", actor=user)
    # What Django's on_delete=SET_NULL runs when the account is deleted (done
    # directly so the test does not depend on every other app's relations to User).
    AuditEvent.objects.filter(actor=user).update(actor=None)
    event.refresh_from_db()
    assert event.actor_id is None and event.actor_label == "离职人员"
    with pytest.raises(DatabaseError), transaction.atomic():  # but not with another change
        AuditEvent.objects.filter(pk=event.pk).update(actor=None, actor_label="别人")


@pytest.mark.django_db
def test_search_by_actor_type_target_and_day(city, client):
    supervisor = staff_with("sup", "supervisor", city)
    clerk = User.objects.create_user("clerk", name="王科员")
    with time_machine.travel("2026-10-08 10:00 +0800"):
        audit_record(event_type="cases.transition", actor=clerk, target_type="cases.case", target_id="7")
    with time_machine.travel("2026-10-09 23:30 +0800"):
        audit_record(event_type="cases.assign", actor=clerk, target_type="cases.case", target_id="8")
        audit_record(event_type="identity.unmask", actor=supervisor, target_type="identity.person", target_id="7")
    client.force_login(supervisor)

    def found(**params):
        r = client.get("/workbench/audit/", params)
        assert r.status_code == 200
        return sorted(e.event_type for e in r.context["page"])

    assert found(actor="王科员") == ["cases.assign", "cases.transition"]
    assert found(event_type="cases.", target_id="7") == ["cases.transition"]
    assert found(target_type="identity.person") == ["identity.unmask"]
    assert found(since="2026-10-09", until="2026-10-09") == ["cases.assign", "identity.unmask"]
    assert client.get("/workbench/audit/", {"since": "2026-10-10", "until": "2026-10-01"}).status_code == 422


@pytest.mark.django_db
def test_csv_export_of_a_search_is_itself_audited(city, client):
    supervisor = staff_with("sup", "supervisor", city)
    clerk = User.objects.create_user("clerk", name="王科员")
    audit_record(event_type="cases.transition", actor=clerk, target_type="cases.case", target_id="7", new={"state": "办结"})
    audit_record(event_type="identity.unmask", actor=clerk)
    client.force_login(supervisor)
    r = client.get("/workbench/audit/", {"event_type": "cases.", "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert rows[0][4] == "event_type" and len(rows) == 2
    assert rows[1][4] == "cases.transition" and "办结" in rows[1][9]
    export = AuditEvent.objects.get(event_type="audit.export")
    assert export.actor == supervisor
    assert export.new_values == {"filters": {"event_type": "cases."}, "rows": 1}


@pytest.mark.django_db
def test_only_supervisors_and_administrators_may_search_or_export(city, client):
    clerk = staff_with("clerk", "case_officer", city)
    client.force_login(clerk)
    assert client.get("/workbench/audit/", {"format": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(event_type="audit.export").exists()
    citizen = User.objects.create_user("c", name="居民")
    client.force_login(citizen)
    assert client.get("/workbench/audit/").status_code == 403


@pytest.mark.django_db
def test_admin_export_action_streams_csv_and_is_audited(client):
    root = User.objects.create_superuser("root", "pw", name="管理员")
    a = audit_record(event_type="cases.transition", target_type="cases.case", target_id="1")
    audit_record(event_type="cases.assign", target_type="cases.case", target_id="2")
    client.force_login(root)
    r = client.post(
        "/admin/audit/auditevent/",
        {"action": "export_csv", "_selected_action": [a.pk]},
    )
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert [row[4] for row in rows[1:]] == ["cases.transition"]
    export = AuditEvent.objects.get(event_type="audit.export")
    assert export.actor == root and export.new_values["rows"] == 1
    # the admin offers no way to change or delete entries
    assert client.get(f"/admin/audit/auditevent/{a.pk}/delete/").status_code == 403


def test_every_access_gate_names_its_action_in_words():
    """The audit page shows what a refused person tried in words: every gate's action has them."""
    from django.urls import get_resolver

    from minsheng.access.refusals import ACTION_WORDS, DECLARED_ACTIONS

    get_resolver().url_patterns  # noqa: B018 — loads every view and API module, and the gates they use
    assert {"view", "book", "apply_home_care", "open_file", "set_up"} <= DECLARED_ACTIONS  # several programs' gates
    assert DECLARED_ACTIONS - set(ACTION_WORDS) == set()


@pytest.mark.django_db
def test_a_refusal_reads_in_words_on_the_audit_page(city, client):
    from minsheng.access.refusals import REASON_OUT_OF_SCOPE, refusal_record

    supervisor = staff_with("sup", "supervisor", city)
    clerk = User.objects.create_user("clerk", name="王科员")
    refusal_record(user=clerk, target_type="elderly_care.elder", target_id=5, action="book",
                   reason=REASON_OUT_OF_SCOPE)
    client.force_login(supervisor)
    page = client.get("/workbench/audit/", {"event_type": "access."}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = page.content.decode()
    assert page.status_code == 200 and "预约上门服务" in body and "超出账号所属地区或单位的范围" in body
    assert ">book<" not in body and "out_of_scope" not in body
