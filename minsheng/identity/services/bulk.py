"""Registering people, citizen accounts and relations by the hundred thousand (imports of a
city's registers, the demo city): the rows ``person_create``, ``citizen_sign_in_otp`` and
``person_relation_add`` write — encrypted numbers, keyed hashes, derived fields and one
audit entry each — written through core's BulkWriter instead of one INSERT at a time.

The caller validates first (the import's cell parsers, or numbers the demo made valid)
and keeps the writer inside one transaction:

    with transaction.atomic(), PeopleWriter(actor=job.created_by) as w:
        guardian = w.person(name=..., id_number=parsed, phone="139…", account=True)
        child = w.person(name=..., id_number=parsed_child)
        w.relation(person=guardian, relative=child, kind="guardian", detail="母亲")
"""

import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_event_build
from minsheng.core.bulk import DEFAULT_BATCH, BulkWriter

from ..crypto import keyed_hash
from ..idnumbers import ParsedIdNumber, mask_id_number, mask_phone
from ..models import Person, PersonRelation, User


def person_build(*, name: str, id_number: ParsedIdNumber, phone: str = "", user=None, **fields) -> Person:
    """The unsaved Person ``person_create`` saves: hashes, tail, birth date and sex from the number."""
    number = id_number.number
    fields.setdefault("birth_date", id_number.birth_date)
    return Person(
        user=user,
        name=name,
        id_number=number,
        id_number_hash=keyed_hash(number),
        id_number_tail=number[-4:],
        phone=phone,
        phone_hash=keyed_hash(phone) if phone else None,
        sex=id_number.sex,
        **fields,
    )


def person_created_audit(person: Person, *, actor=None) -> AuditEvent:
    return audit_event_build(
        event_type="identity.person_created",
        actor=actor,
        target=person,
        new={"name": person.name, "id_number": mask_id_number(person.id_number), "phone": mask_phone(person.phone)},
    )


def citizen_build(*, name: str, phone: str, password: str | None = None) -> User:
    """The unsaved citizen account a first SMS sign-in creates (no usable password unless given
    as an already-hashed ``password``)."""
    return User(
        name=name,
        phone=phone,
        phone_hash=keyed_hash(phone),
        password=password or UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
    )


def citizen_registered_audit(user: User) -> AuditEvent:
    return audit_event_build(
        event_type="identity.citizen_registered",
        actor=user,
        target=user,
        new={"phone": mask_phone(user.phone), "name": user.name},
    )


def relation_added_audit(relation: PersonRelation, person: Person, relative: Person, *, actor=None) -> AuditEvent:
    return audit_event_build(
        event_type="identity.relation_added",
        actor=actor,
        target=relation,
        target_label=f"{person} → {relative}",
        new={"person": person.pk, "relative": relative.pk, "kind": relation.kind, "detail": relation.detail},
    )


class PeopleWriter:
    """Bulk registration of people, citizen accounts and relations, with their audit entries."""

    def __init__(self, *, actor=None, batch: int = DEFAULT_BATCH, audit: bool = True) -> None:
        self.actor = actor
        self.audit = audit
        self.users = BulkWriter(User, batch=batch)
        self.people = BulkWriter(Person, batch=batch)
        self.relations = BulkWriter(PersonRelation, batch=batch)
        self.events = BulkWriter(AuditEvent, batch=batch)

    def account(self, *, name: str, phone: str, password: str | None = None) -> User:
        user = self.users.add(citizen_build(name=name, phone=phone, password=password))
        if self.audit:
            self.events.add(citizen_registered_audit(user))
        return user

    def add_person(self, person: Person) -> Person:
        """Write a Person built by ``person_build`` (pk set on return)."""
        self.people.add(person)
        if self.audit:
            self.events.add(person_created_audit(person, actor=self.actor))
        return person

    def person(self, *, name: str, id_number: ParsedIdNumber, phone: str = "", account: bool = False,
               **fields) -> Person:
        """A person; with ``account`` (and a phone) also their citizen account."""
        user = self.account(name=name, phone=phone) if account and phone else fields.pop("user", None)
        return self.add_person(person_build(name=name, id_number=id_number, phone=phone, user=user, **fields))

    def relation(self, *, person: Person, relative: Person, kind: str, detail: str = "") -> PersonRelation:
        relation = self.relations.add(
            PersonRelation(person_id=person.pk, relative_id=relative.pk, kind=kind, detail=(detail or "").strip()[:50])
        )
        if self.audit:
            self.events.add(relation_added_audit(relation, person, relative, actor=self.actor))
        return relation

    def close(self) -> dict[str, int]:
        for writer in (self.users, self.people, self.relations, self.events):
            writer.close()
        return {"accounts": self.users.written, "people": self.people.written,
                "relations": self.relations.written, "audit entries": self.events.written}

    def __enter__(self) -> "PeopleWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
