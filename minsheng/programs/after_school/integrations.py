"""Calls into core services that may be absent in an older checkout; each one degrades quietly.

Notifications and ratings are core apps (allowed imports); they are looked up
at call time so this program keeps working while they are being built.
"""

import importlib
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minsheng.identity.models import Person, PersonRelation

log = logging.getLogger(__name__)

TEMPLATES = {  # notification texts are Chinese with {placeholders} (notifications.templates)
    "after_school.offer": ("课后服务递补名额", "{student}获得{offering}的递补名额，请于{deadline}前确认，逾期名额将顺延给下一位候补。"),
    "after_school.absent": ("课后服务缺勤提醒", "{student}于{date}未参加{offering}。如有疑问请联系学校。"),
    "after_school.lottery_result": ("课后服务摇号结果", "{student}申请的{offering}（申请号{reference}）摇号结果：{result}。摇号可公开核验，编号{draw}。"),
    "after_school.late_pickup": ("课后服务延迟接走", "{student}于{time}从{offering}被接走，晚于服务结束时间。"),
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


def guardian_of(*, user, student_id: int) -> int | None:
    """The id of ``user``'s Person when they are a current guardian of the student, else None.

    One query: this sits on the enrolment rush's hot path.
    """
    today = timezone.localdate()
    return (
        PersonRelation.objects.filter(person__user=user, relative_id=student_id, kind="guardian")
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("person_id", flat=True)
        .first()
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
    transaction.on_commit(lambda: notify_now(recipients=recipients, template=template, context=context,
                                             dedupe_key=dedupe_key))


def notify_now(*, recipients, template: str, context: dict, dedupe_key: str) -> None:
    """Send now, inside the caller's transaction (a background fan-out that commits a chunk of
    notices at once). Recipients are users or persons; the dedupe key gets ``:<their id>``."""
    services = _module("minsheng.notifications.services")
    if services is None or not hasattr(services, "notification_send"):
        return
    register_templates()
    context = {k: str(v) for k, v in context.items()}
    for recipient in recipients:
        services.notification_send(
            recipient=recipient,
            template=template,
            context=context,
            dedupe_key=f"{dedupe_key}:{recipient.pk}",
        )
