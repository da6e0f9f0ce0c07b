"""The bulk path (core BulkWriter under identity's PeopleWriter) writes the rows the services
write: the same scenario through both, rows compared column by column."""

import datetime as dt

import pytest
from django.db import connection, transaction

from minsheng.audit.models import AuditEvent
from minsheng.core.bulk import BulkWriter, bulk_write
from minsheng.identity import services
from minsheng.identity.idnumbers import id_number_make, id_number_validate
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.identity.services.bulk import PeopleWriter
from minsheng.regions.models import Region

pytestmark = pytest.mark.django_db(transaction=True)

CHILD = ("李小明", id_number_make(region_code="320706", birth_date=dt.date(2015, 3, 7), sequence=1))
PARENT = ("李建国", id_number_make(region_code="320706", birth_date=dt.date(1984, 2, 14), sequence=3), "13912345678")


def _snapshot() -> dict:
    """Every written row of the scenario, without keys, timestamps or ciphertexts (random nonce)."""
    people = {
        p.name: {
            "id_number": p.id_number, "id_number_hash": p.id_number_hash, "id_number_tail": p.id_number_tail,
            "phone": p.phone, "phone_hash": p.phone_hash, "birth_date": p.birth_date, "sex": p.sex,
            "residence_region_id": p.residence_region_id, "address": p.address,
            "account": (p.user.name, p.user.phone, p.user.phone_hash, p.user.has_usable_password(),
                        p.user.is_staff, p.user.is_active) if p.user else None,
        }
        for p in Person.objects.select_related("user")
    }
    relations = [(r.person.name, r.relative.name, r.kind, r.detail) for r in PersonRelation.objects.all()]
    person_names = {p.pk: p.name for p in Person.objects.all()}
    names = {
        "identity.person": {str(k): v for k, v in person_names.items()},
        "identity.user": {str(u.pk): u.name for u in User.objects.all()},
        "identity.personrelation": {str(r.pk): r.kind for r in PersonRelation.objects.all()},
    }

    def values(new):  # keys differ between the runs: name the people instead
        return str({k: person_names[v] if k in ("person", "relative") else v for k, v in (new or {}).items()})

    events = sorted(
        (e.event_type, e.actor.name if e.actor else None, e.actor_label, e.target_type,
         names[e.target_type][e.target_id],
         e.target_label, values(e.new_values), e.old_values, e.ip_address, e.request_id)
        for e in AuditEvent.objects.select_related("actor")
    )
    for e in AuditEvent.objects.filter(event_type="identity.relation_added"):
        relation = PersonRelation.objects.get(pk=e.target_id)
        assert e.new_values["person"] == relation.person_id and e.new_values["relative"] == relation.relative_id
    return {"people": people, "relations": relations, "events": [str(e) for e in events]}


def _stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - test names
        return [r[0] for r in cur.fetchall()]


def test_people_writer_writes_the_rows_of_the_services():
    region = Region.objects.create(code="320706001001", prefix="320706001001", name="新海社区", level="community")
    # The services: a citizen signs up, registers themself, then their child (rolled back after).
    with transaction.atomic():
        services.person_create(name=CHILD[0], id_number=CHILD[1], residence_region=region, address="新海路1号")
        user = User.objects.create_user(name=PARENT[0], phone=PARENT[2], phone_hash=services.bulk.keyed_hash(PARENT[2]))
        services.bulk.citizen_registered_audit(user).save()
        parent = services.person_create(name=PARENT[0], id_number=PARENT[1], phone=PARENT[2], user=user,
                                        residence_region=region, address="新海路1号")
        child = Person.objects.get(name=CHILD[0])
        services.person_relation_add(person=parent, relative=child, kind="guardian", detail=" 父亲 ")
        through_services = _snapshot()
        transaction.set_rollback(True)
    assert not Person.objects.exists() and not AuditEvent.objects.exists()

    with transaction.atomic(), PeopleWriter() as writer:
        kid = writer.person(name=CHILD[0], id_number=id_number_validate(CHILD[1]), residence_region=region,
                            address="新海路1号")
        adult = writer.person(name=PARENT[0], id_number=id_number_validate(PARENT[1]), phone=PARENT[2],
                              account=True, residence_region=region, address="新海路1号")
        writer.relation(person=adult, relative=kid, kind="guardian", detail=" 父亲 ")
    assert writer.close() == {"accounts": 1, "people": 2, "relations": 1, "audit entries": 4}
    through_bulk = _snapshot()

    assert through_bulk == through_services
    assert len(through_bulk["events"]) == 4
    # Encrypted at rest on this path too, each value with its own nonce.
    stored = _stored("identity_person", "id_number")
    assert all(v.startswith("v1:") for v in stored) and CHILD[1] not in str(stored)
    assert all(v.startswith("v1:") for v in _stored("identity_user", "phone"))


def test_bulk_writer_streams_batches_gives_keys_first_and_the_next_insert_follows():
    rows = (Person(name=f"甲{i}", id_number=f"32070619800101{i:04d}", id_number_hash=f"h{i}") for i in range(23))
    assert bulk_write(Person, rows, batch=5) == 23
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 23 and len(set(ids)) == 23
    assert Person.objects.get(id_number_hash="h7").id_number == "320706198001010007"
    after = Person.objects.create(name="乙", id_number_hash="later")  # the key sequence moved past
    assert after.pk > max(ids)
    with transaction.atomic():
        writer = BulkWriter(Person, batch=100)
        first = writer.add(Person(name="丙", id_number_hash="c1"))
        assert first.pk is not None and not Person.objects.filter(pk=first.pk).exists()
        writer.close()
    assert Person.objects.get(pk=first.pk).name == "丙"
    assert Person.objects.get(pk=first.pk).created_at is not None  # auto timestamps, as save() sets them


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics (pg_class)")
def test_a_large_load_refreshes_the_tables_statistics_inside_its_transaction(monkeypatch):
    """The planner knows the rows just loaded before COMMIT: a writer that has loaded
    ANALYZE_FROM rows (and as many again since) analyses its table."""
    from minsheng.core import bulk

    monkeypatch.setattr(bulk, "ANALYZE_FROM", 300)

    def estimated() -> float:
        with connection.cursor() as cur:
            cur.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Person._meta.db_table])
            return cur.fetchone()[0]

    before = estimated()  # whatever an earlier test left (-1: never analysed)
    with transaction.atomic(), BulkWriter(Person, batch=100) as writer:
        for i in range(200):
            writer.add(Person(name=f"庚{i}", id_number_hash=f"g{i}"))
        writer.flush()
        assert estimated() == before != 600  # 200 rows: not yet
        for i in range(200, 700):
            writer.add(Person(name=f"庚{i}", id_number_hash=f"g{i}"))
        writer.flush()
        assert estimated() == 600  # analysed at 300 and again at 600 — the transaction's own rows
    assert Person.objects.count() == 700


def test_bulk_writer_refuses_to_write_outside_a_transaction():
    writer = BulkWriter(Person, batch=1)
    with pytest.raises(RuntimeError):
        writer.add(Person(name="丁", id_number_hash="d1"))
    assert not Person.objects.exists()


def test_keys_given_by_the_caller_move_the_sequence_past_them():
    with transaction.atomic(), BulkWriter(Person) as writer:
        writer.insert(id=5000, name="戊", id_number_hash="e1")
    assert Person.objects.get(pk=5000).name == "戊"
    assert Person.objects.create(name="己", id_number_hash="e2").pk > 5000


def test_bulk_in_finds_the_rows_of_a_long_list_on_plain_and_related_fields():
    bulk_write(Person, (Person(name=f"戊{i}", id_number_hash=f"b{i}") for i in range(30)))
    wanted = [f"b{i}" for i in range(0, 30, 3)] + ["absent"]
    assert set(Person.objects.filter(id_number_hash__bulk_in=wanted).values_list("name", flat=True)) == {
        f"戊{i}" for i in range(0, 30, 3)}
    assert not Person.objects.filter(id_number_hash__bulk_in=[]).exists()
    user = User.objects.create_user(name="己", phone="13900000009", phone_hash="p9")
    Person.objects.filter(id_number_hash="b1").update(user=user)
    assert list(Person.objects.filter(user_id__bulk_in=[user.pk, 10**9]).values_list("name", flat=True)) == ["戊1"]
