from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from minsheng.core.models import TimeStampedModel


class Case(FSMModelMixin, TimeStampedModel):
    """办件 — one application moving through a declared process.

    ``state`` is protected: it changes only through ``move_to`` called by
    minsheng.cases.services, under a row lock and a ``version`` check.
    """

    process_key = models.CharField(_("process"), max_length=64, db_index=True)
    reference = models.CharField(_("reference number"), max_length=32, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    subject = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("responsible organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    state = FSMField(_("state"), max_length=40, protected=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    payload = models.JSONField(_("application data"), default=dict, blank=True)
    state_entered_at = models.DateTimeField(_("state entered at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(_("deadline provisional"), default=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to_role = models.CharField(_("escalated to"), max_length=64, blank=True)
    task_round = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["process_key", "state"])]

    def __str__(self) -> str:
        return self.reference

    @transition(field=state, source="*", target=RETURN_VALUE())
    def move_to(self, target: str) -> str:
        """The only way the state changes; the services check the process first."""
        return target


class TaskState(models.TextChoices):
    OPEN = "open", _("waiting to be taken")
    CLAIMED = "claimed", _("being handled")
    DONE = "done", _("done")
    REJECTED = "rejected", _("refused")
    CANCELLED = "cancelled", _("cancelled")


OPEN_TASK_STATES = (TaskState.OPEN, TaskState.CLAIMED)


class CaseTask(TimeStampedModel):
    """A unit of work on a case for one organisation (e.g. the tax bureau's part of a start-up)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="tasks"
    )
    organisation = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="case_tasks",
    )
    department_code = models.CharField(_("department code"), max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(
        _("state"), max_length=20, choices=TaskState.choices, default=TaskState.OPEN, db_index=True
    )
    round = models.PositiveIntegerField(default=1)
    stage = models.CharField(_("case state"), max_length=40)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_tasks",
    )
    roles = models.JSONField(_("roles"), default=list)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(_("deadline provisional"), default=False)
    sla = models.JSONField(_("service level"), default=dict, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to_role = models.CharField(_("escalated to"), max_length=64, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case task")
        verbose_name_plural = _("case tasks")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES


class CaseEvent(models.Model):
    """One step in a case's timeline: who did what, when, from which state to which."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    task = models.ForeignKey(
        CaseTask,
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), db_index=True)
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=40, blank=True)
    to_state = models.CharField(_("to state"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_state}→{self.to_state}"


class CaseCounter(models.Model):
    """Per-year reference counter (MS-2026-000123), incremented under a row lock."""

    prefix = models.CharField(max_length=16)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="uniq_case_counter")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
