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
from minsheng.audit.services import audit_event_values
from minsheng.core.bulk import DEFAULT_BATCH, BulkWriter, Row

from ..crypto import keyed_hash
from ..idnumbers import ParsedIdNumber, mask_id_number, mask_phone
from ..models import Person, PersonRelation, User


def person_values(*, name: str, id_number: ParsedIdNumber, phone: str = "", id_number_hash: str = "",
                  phone_hash: str = "", **fields) -> dict:
    """A new person's columns as ``person_create`` saves them: hashes, tail, birth date and
    sex from the number. A caller that has hashed the numbers already passes the hashes."""
    number = id_number.number
    fields.setdefault("birth_date", id_number.birth_date)
    return dict(
        name=name,
        id_number=number,
        id_number_hash=id_number_hash or keyed_hash(number),
        id_number_tail=number[-4:],
        phone=phone,
        phone_hash=(phone_hash or keyed_hash(phone)) if phone else None,
        sex=id_number.sex,
        **fields,
    )


def person_build(**kwargs) -> Person:
    """The unsaved Person (``person_values``' arguments)."""
    return Person(**person_values(**kwargs))


def _person_created(person, actor) -> dict:
    return audit_event_values(
        event_type="identity.person_created",
        actor=actor,
        target_type="identity.person",
        target_id=str(person.pk),
        target_label=person.name,
        new={"name": person.name, "id_number": mask_id_number(person.id_number), "phone": mask_phone(person.phone)},
    )


def person_created_audit(person: Person, *, actor=None) -> AuditEvent:
    return AuditEvent(**_person_created(person, actor))


def citizen_values(*, name: str, phone: str, password: str | None = None, phone_hash: str = "") -> dict:
    """The citizen account a first SMS sign-in creates (no usable password unless given
    as an already-hashed ``password``)."""
    return dict(
        name=name,
        phone=phone,
        phone_hash=phone_hash or keyed_hash(phone),
        password=password or UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
    )


def _citizen_registered(user) -> dict:
    values = audit_event_values(
        event_type="identity.citizen_registered",
        target_type="identity.user",
        target_id=str(user.pk),
        target_label=user.name,
        new={"phone": mask_phone(user.phone), "name": user.name},
    )
    values.pop("actor")
    values.update(actor_id=user.pk, actor_label=user.name[:150])  # the citizen acts
    return values


def citizen_registered_audit(user: User) -> AuditEvent:
    values = _citizen_registered(user)
    values.pop("actor_id")
    return AuditEvent(**values, actor=user)


def _relation_added(relation, person, relative, actor) -> dict:
    return audit_event_values(
        event_type="identity.relation_added",
        actor=actor,
        target_type="identity.personrelation",
        target_id=str(relation.pk),
        target_label=f"{person.name} → {relative.name}",
        new={"person": person.pk, "relative": relative.pk, "kind": relation.kind, "detail": relation.detail},
    )


def relation_added_audit(relation: PersonRelation, person: Person, relative: Person, *, actor=None) -> AuditEvent:
    return AuditEvent(**_relation_added(relation, person, relative, actor))


class PeopleWriter:
    """Bulk registration of people, citizen accounts and relations, with their audit entries.
    Each write returns a core.bulk.Row (the values by attribute name, with ``pk``).

    The audit entries are those of ``audit_event_values``: its actor and request columns are
    taken once per writer (they are the same for every entry it writes), the rest per row."""

    def __init__(self, *, actor=None, batch: int = DEFAULT_BATCH, audit: bool = True) -> None:
        self.actor = actor
        self.audit = audit
        self.users = BulkWriter(User, batch=batch)
        self.people = BulkWriter(Person, batch=batch)
        self.relations = BulkWriter(PersonRelation, batch=batch)
        self.events = BulkWriter(AuditEvent, batch=batch)
        self._templates: dict[str, dict] = {}

    def _event(self, event_type: str, target_type: str, target_id, target_label: str, new: dict, **extra) -> None:
        template = self._templates.get(event_type)
        if template is None:
            template = self._templates[event_type] = audit_event_values(
                event_type=event_type, actor=self.actor, target_type=target_type, target_id="x", target_label="x",
                new={})
            actor = template.pop("actor")
            template["actor_id"] = actor.pk if actor is not None else None
        values = dict(template)
        values.update(target_id=str(target_id), target_label=target_label[:200], new_values=new, **extra)
        self.events.put(values)

    def account(self, *, name: str, phone: str, password: str | None = None, phone_hash: str = "") -> Row:
        user = self.users.insert(**citizen_values(name=name, phone=phone, password=password, phone_hash=phone_hash))
        if self.audit:  # as _citizen_registered: the citizen acts
            self._event("identity.citizen_registered", "identity.user", user.pk, user.name,
                        {"phone": mask_phone(user.phone), "name": user.name},
                        actor_id=user.pk, actor_label=user.name[:150])
        return user

    def add_person(self, values: dict) -> Row:
        """Write a person from ``person_values``."""
        person = self.people.insert(**values)
        if self.audit:  # as _person_created
            self._event("identity.person_created", "identity.person", person.pk, person.name,
                        {"name": person.name, "id_number": mask_id_number(person.id_number),
                         "phone": mask_phone(person.phone)})
        return person

    def person(self, *, name: str, id_number: ParsedIdNumber, phone: str = "", account: bool = False,
               id_number_hash: str = "", phone_hash: str = "", **fields) -> Row:
        """A person; with ``account`` (and a phone) also their citizen account. Hashes the
        caller has computed already may be passed."""
        if phone and not phone_hash:
            phone_hash = keyed_hash(phone)
        if account and phone:
            fields["user_id"] = self.account(name=name, phone=phone, phone_hash=phone_hash).pk
        return self.add_person(person_values(name=name, id_number=id_number, phone=phone,
                                             id_number_hash=id_number_hash, phone_hash=phone_hash, **fields))

    def relation(self, *, person, relative, kind: str, detail: str = "") -> Row:
        relation = self.relations.insert(
            person_id=person.pk, relative_id=relative.pk, kind=kind, detail=(detail or "").strip()[:50]
        )
        if self.audit:  # as _relation_added
            self._event("identity.relation_added", "identity.personrelation", relation.pk,
                        f"{person.name} → {relative.name}",
                        {"person": person.pk, "relative": relative.pk, "kind": relation.kind,
                         "detail": relation.detail})
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
