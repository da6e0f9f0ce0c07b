"""Applications for home care, decided through the case workflow
(process ``elderly_care_application``, processes.py)."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.identity.models import Person
from minsheng.regions.models import Region

from ..models import CareApplication, LivingArrangement
from .elders import categories_clean, elder_register


def application_submit(
    *,
    person: Person,
    submitted_by,
    categories: Iterable[str],
    living_arrangement: str,
    reason: str = "",
    on_behalf: bool = False,
    region_code: str = "",
    address: str = "",
) -> CareApplication:
    """An application by the elder, family (online) or a community worker (帮办代办).

    Opens a case (applicant: whoever submits; subject: the elder) and sends it straight to
    civil affairs, which gets a review task with an SLA in working days."""
    from minsheng.cases.services import case_act, case_open

    from ..processes import APPLICATION

    categories = categories_clean(categories)
    if not categories:
        raise ValidationFailed.for_field(
            "categories", _("Tick at least one category that applies to the elder.")
        )
    if living_arrangement not in LivingArrangement.values:
        raise ValidationFailed.for_field("living_arrangement", _("Choose a living arrangement."))
    # Where the elder lives: the recorded residence, else the street or community the applicant names.
    region = person.residence_region
    if region is None and region_code.strip():
        region = Region.objects.filter(code=region_code.strip()).first()
        if region is None:
            raise ValidationFailed.for_field(
                "community",
                _("No street or community has the code %(code)s. Check the division code.")
                % {"code": region_code.strip()[:12]},
            )
    if region is None:
        raise ValidationFailed.for_field(
            "community",
            _("The elder's place of residence is not recorded. Enter the street or community where the elder lives."),
        )
    address = (address or "").strip()[:200]
    with transaction.atomic():
        # one open application per person: serialise on the person row
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if CareApplication.objects.filter(person=person, case__closed_at__isnull=True).exists():
            raise Conflict(
                _(
                    "An application for this person is already being processed. You will be told the result."
                ),
                code="duplicate",
            )
        case = case_open(
            process_key=APPLICATION,
            applicant=submitted_by,
            region=region,
            subject=person,
            payload={
                "categories": categories,
                "living_arrangement": living_arrangement,
                "reason": reason,
                "on_behalf": on_behalf,
                "address": address,
            },
        )
        app = CareApplication.objects.create(
            person=person,
            region=region,
            submitted_by=submitted_by,
            on_behalf=on_behalf,
            categories=categories,
            living_arrangement=living_arrangement,
            reason=reason,
            case=case,
        )
        audit_record(
            event_type="elderly_care.application_submit",
            actor=submitted_by,
            target=app,
            new={"on_behalf": on_behalf, "categories": categories, "case": case.reference},
        )
        case_act(case=case, action="submit", actor=submitted_by)
    app.case.refresh_from_db()
    return app


def on_review_complete(*, case, task, actor, outcome, data, comment, now) -> dict | None:
    """The civil-affairs review task finished (on any page, or deemed): approve or reject.

    Runs inside the engine's transaction; approval registers the elder for home care.
    The elder (and whoever applied for them) is told the result."""
    from .. import notices

    app = CareApplication.objects.select_related("person", "region").get(case=case)
    approve = outcome == "done"
    if approve:
        elder_register(
            person=app.person,
            categories=app.categories,
            living_arrangement=app.living_arrangement,
            actor=actor,
            region=app.region,
            address=(case.payload or {}).get("address", ""),
        )
    audit_record(
        event_type="elderly_care.application_decide",
        actor=actor,
        target=app,
        new={"approved": approve, "case": case.reference},
    )
    notices.send(
        recipient=app.person,
        template="elderly_care.application_decided",
        context={
            "elder": app.person.name,
            "result": "已批准" if approve else "未获批准",
            "note": comment or "",
        },
        dedupe_key=f"ec-app-{app.pk}-decided",
    )
    return {**(data or {}), "approved": approve}


def application_decide(
    *, application: CareApplication, actor, approve: bool, note: str = ""
) -> CareApplication:
    """Decide through the case workflow: complete the open civil-affairs review task."""
    from minsheng.cases.models import OPEN_TASK_STATES
    from minsheng.cases.services import task_complete

    from ..processes import CIVIL_AFFAIRS

    if not approve and not note.strip():
        raise ValidationFailed.for_field(
            "note", _("Give the reason for rejecting the application.")
        )
    task = (
        application.case.tasks.filter(department_code=CIVIL_AFFAIRS, state__in=OPEN_TASK_STATES)
        .order_by("-round")
        .first()
        if application.case_id
        else None
    )
    if task is None:
        raise Conflict(_("This application has already been decided."), code="state_changed")
    task_complete(
        task=task,
        actor=actor,
        outcome="done" if approve else "rejected",
        comment=note,
    )
    application.case.refresh_from_db()
    return application
