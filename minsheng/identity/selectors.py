"""Reads about people and accounts. Scoped person records come through ``person_get_for``."""

from django.db.models import Q
from django.utils import timezone

from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import active_assignments, scope_q, user_has_permission
from minsheng.core.errors import NotFound

from .crypto import keyed_hash
from .idnumbers import id_number_normalize
from .models import Person, PersonRelation, RelationKind, User
from .normalize import normalize_phone

UNMASK_PERMISSION = "identity.unmask"


def person_find_by_id_number(id_number: str) -> Person | None:
    """Find a person by number through the keyed hash; nothing is decrypted to search."""
    number = id_number_normalize(id_number)
    if not number:
        return None
    return Person.objects.filter(id_number_hash=keyed_hash(number)).first()


def user_find_by_phone(phone: str) -> User | None:
    phone = normalize_phone(phone)
    if not phone:
        return None
    return User.objects.filter(phone_hash=keyed_hash(phone)).first()


def _current(prefix: str = "") -> Q:
    today = timezone.localdate()
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": today})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": today})
    )


def person_relations_of(person: Person):
    """Current relations on either side of ``person``, with both people loaded."""
    return (
        PersonRelation.objects.filter(Q(person=person) | Q(relative=person))
        .filter(_current())
        .select_related("person", "relative")
        .order_by("created_at", "id")
    )


def persons_in_care_of(*, user) -> list[Person]:
    """The people ``user`` may act for: themselves, and those they are guardian, agent or family of."""
    person = Person.objects.filter(user=user).first() if getattr(user, "pk", None) else None
    if person is None:
        return []
    others = (
        Person.objects.filter(
            relations_in__person=person,
            relations_in__kind__in=[RelationKind.GUARDIAN, RelationKind.AGENT, RelationKind.FAMILY],
        )
        .filter(_current("relations_in__"))
        .exclude(pk=person.pk)
        .distinct()
        .order_by("birth_date", "id")
    )
    return [person, *others]


def user_may_unmask(user) -> bool:
    return user_has_permission(user=user, permission=UNMASK_PERMISSION)


@scoped_gate(model="identity.person", id_arg="person_id")
def person_get_for(*, user, person_id) -> Person:
    """A person record for a staff member holding any role; within their region scope.

    People with no place of residence recorded are visible to any staff member
    with a role (they cannot be placed in a region subtree).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        raise NotFound()
    if not user.is_superuser and not active_assignments(user=user).exists():
        raise NotFound()
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    visible = Q(residence_region__isnull=True) | scope_q(
        user=user, region_field="residence_region"
    )
    person = (
        Person.objects.filter(visible, pk=person_id)
        .select_related("residence_region", "hukou_region", "user")
        .first()
    )
    if person is None:
        raise NotFound()
    return person
