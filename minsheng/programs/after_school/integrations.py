"""Calls into core services that may be absent in an older checkout; each one degrades quietly.

Notifications and ratings are core apps (allowed imports); they are looked up
at call time so this program keeps working while they are being built.
"""

import importlib
import logging

from django.db import transaction

from minsheng.identity.models import Person, PersonRelation

log = logging.getLogger(__name__)

TEMPLATES = {
    "after_school.offer": (
        "A place in after-school care is offered",
        "A place in {offering} is offered to {student}. Accept it by {deadline}, or it passes to the next child on the waiting list.",
    ),
    "after_school.absent": (
        "Absent from after-school care",
        "{student} was marked absent from {offering} on {date}. Please contact the school if this is unexpected.",
    ),
    "after_school.late_pickup": (
        "Late pick-up from after-school care",
        "{student} was collected from {offering} at {time}, after the end of the session.",
    ),
}


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def register_templates() -> None:
    templates = _module("minsheng.notifications.templates")
    if templates is None or not hasattr(templates, "register"):
        return
    for code, (title, body) in TEMPLATES.items():
        try:
            templates.register(code, title=title, body=body)
        except ValueError:  # registered already (reloads in tests)
            pass


def persons_in_care_of(*, user) -> list[Person]:
    """The children ``user`` may act for (identity's selector when present), not themselves."""
    for name in ("minsheng.identity.selectors", "minsheng.identity.services"):
        module = _module(name)
        if module is not None and hasattr(module, "persons_in_care_of"):
            return [p for p in module.persons_in_care_of(user=user) if p.user_id != user.pk]
    person = getattr(user, "person", None)
    if person is None:
        return []
    return list(
        Person.objects.filter(relations_in__person=person, relations_in__kind="guardian").distinct()
    )


def guardian_users_of(student_id: int) -> list:
    return [
        r.person.user
        for r in PersonRelation.objects.filter(relative_id=student_id, kind="guardian")
        .select_related("person__user")
        if r.person.user_id
    ]


def notify(*, recipients, template: str, context: dict, dedupe_key: str) -> None:
    """Send after the transaction commits; a missing notifications app sends nothing."""
    services = _module("minsheng.notifications.services")
    if services is None or not hasattr(services, "notification_send"):
        return
    register_templates()
    context = {k: str(v) for k, v in context.items()}

    def send():
        for user in recipients:
            services.notification_send(
                recipient=user,
                template=template,
                context=context,
                dedupe_key=f"{dedupe_key}:{user.pk}",
            )

    transaction.on_commit(send)
