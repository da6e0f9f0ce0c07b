"""Projects: creation, milestones, progress reports, overdue flags."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from .. import notices
from ..models import (
    CandidateProject,
    Category,
    Cycle,
    Milestone,
    ProgressReport,
    ProgressSource,
    Project,
    ProjectStatus,
)
from ..selectors import unit_ids, unit_officers


def project_create(
    *, cycle: Cycle, title: str, category: Category, lead_unit, region, actor, budget=0,
    targets: str = "", description: str = "", co_units=(), contractors=(), number: str = "",
    milestones: list[tuple[str, date]] = (), candidate: CandidateProject | None = None,
) -> Project:
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the project a title.")]
    try:
        budget = Decimal(str(budget))
        if budget < 0:
            errors["budget"] = [_("The budget cannot be negative.")]
    except InvalidOperation:
        errors["budget"] = [_("Enter the budget as a number of 10,000 yuan, e.g. 350.5.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        project = Project.objects.create(
            cycle=cycle, title=title.strip(), category=category, lead_unit=lead_unit, region=region,
            budget=budget, targets=targets, description=description, number=number, candidate=candidate,
        )
        project.co_units.set(co_units)
        project.contractors.set(contractors)
        Milestone.objects.bulk_create([Milestone(project=project, title=t, due_on=d) for t, d in milestones])
        audit_record(event_type="evaluation_panels.project_create", actor=actor, target=project)
    return project


def project_create_from_candidate(*, candidate: CandidateProject, region, actor, lead_unit=None, **kw) -> Project:
    lead_unit = lead_unit or candidate.lead_unit
    if lead_unit is None:
        raise ValidationFailed.for_field("lead_unit", _("Name the lead unit responsible for the project."))
    if candidate.category is None and "category" not in kw:
        raise ValidationFailed.for_field("category", _("Choose the project's category."))
    kw.setdefault("category", candidate.category)
    kw.setdefault("budget", candidate.budget)
    kw.setdefault("description", candidate.description)
    return project_create(
        cycle=candidate.cycle, title=candidate.title, lead_unit=lead_unit, region=region,
        actor=actor, candidate=candidate, **kw,
    )


def milestone_add(*, project: Project, title: str, due_on: date, actor) -> Milestone:
    if not (title or "").strip():
        raise ValidationFailed.for_field("title", _("Give the milestone a title."))
    with transaction.atomic():
        m = Milestone.objects.create(project=project, title=title.strip(), due_on=due_on)
        audit_record(event_type="evaluation_panels.milestone_add", actor=actor, target=m, new={"due_on": str(due_on)})
    return m


def milestone_complete(*, milestone: Milestone, done_on: date, actor) -> Milestone:
    if done_on > timezone.localdate():
        raise ValidationFailed.for_field("done_on", _("A milestone cannot be completed on a future date."))
    with transaction.atomic():
        m = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if m.done_on:
            raise Conflict(_("This milestone is already marked as done."), code="state_changed")
        m.done_on = done_on
        m.save(update_fields=["done_on"])
        audit_record(
            event_type="evaluation_panels.milestone_done", actor=actor, target=m,
            new={"done_on": str(done_on), "on_time": done_on <= m.due_on},
        )
    return m


def check_percent(value) -> int:
    """The percent done as a whole number 0–100 ("85" or "85%"), else a field error."""
    try:
        pct = int(str(value).strip().rstrip("%"))
    except (TypeError, ValueError):
        raise ValidationFailed.for_field("percent_done", _("Enter the percent done as a whole number from 0 to 100.")) from None
    if not 0 <= pct <= 100:
        raise ValidationFailed.for_field("percent_done", _("Enter the percent done as a whole number from 0 to 100."))
    return pct


def progress_report_submit(
    *, project: Project, percent_done, text: str, actor, photos=(), source: str = ProgressSource.FORM,
    reported_at=None,
) -> ProgressReport:
    """A progress report with percent done and photos; moves the project along its status."""
    from minsheng.attachments.services import attachment_store

    pct = check_percent(percent_done)
    if not (text or "").strip():
        raise ValidationFailed.for_field("text", _("Describe the progress made since the last report."))
    with transaction.atomic():
        p = Project.objects.select_for_update().get(pk=project.pk)
        if p.status in (ProjectStatus.EVALUATED,):
            raise Conflict(_("This project has been evaluated; progress can no longer be reported."), code="state_changed")
        report = ProgressReport.objects.create(
            project=p, percent_done=pct, text=text.strip(), reported_by=actor if getattr(actor, "pk", None) else None,
            reported_at=reported_at or timezone.now(), source=source,
        )
        for photo in photos:
            attachment_store(file=photo, owner=actor, target=report, allowed_types=("image/jpeg", "image/png"),
                             field="photos")
        old = {"percent_done": p.percent_done, "status": p.status}
        p.percent_done = pct
        if p.status == ProjectStatus.PLANNED and pct > 0:
            p.status = ProjectStatus.IN_PROGRESS
        if pct == 100 and p.status == ProjectStatus.IN_PROGRESS:
            p.status = ProjectStatus.COMPLETED
        p.save(update_fields=["percent_done", "status", "updated_at"])
        audit_record(
            event_type="evaluation_panels.progress", actor=actor, target=p, old=old,
            new={"percent_done": pct, "status": p.status, "report": report.pk},
        )
    return report


def milestones_flag_overdue(*, today: date | None = None) -> int:
    """Flag milestones past due and not done, once each, and notify the lead unit's officers."""
    from minsheng.notifications.services import notification_send

    today = today or timezone.localdate()
    flagged = 0
    qs = Milestone.objects.filter(due_on__lt=today, done_on__isnull=True, overdue_flagged_at__isnull=True).select_related(
        "project", "project__lead_unit"
    )
    for m in qs:
        with transaction.atomic():
            updated = Milestone.objects.filter(pk=m.pk, overdue_flagged_at__isnull=True).update(overdue_flagged_at=timezone.now())
            if not updated:
                continue
            for user in unit_officers(organisation=m.project.lead_unit):
                notification_send(
                    recipient=user, template=notices.MILESTONE_OVERDUE,
                    context={"project": m.project.title, "milestone": m.title, "due_on": m.due_on.isoformat()},
                    dedupe_key=f"ep-overdue-{m.pk}-{user.pk}",
                )
            audit_record(event_type="evaluation_panels.milestone_overdue", target=m, new={"due_on": str(m.due_on)})
            flagged += 1
    return flagged


def unit_may_act(*, user, project: Project) -> None:
    """Lead-unit officers act on their unit's projects only (the gate for progress and reports)."""
    if user.is_superuser:
        return
    if project.lead_unit_id not in unit_ids(user=user):
        raise NotAllowed(_("Only officers of the project's lead unit can do this."))
