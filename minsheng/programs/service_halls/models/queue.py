"""The queue: tickets (排队号), their numbering counter, their history and the priority flags
that make a person 老弱病残孕."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel
from minsheng.identity.fields import EncryptedTextField

from .halls import BusinessType, ServicePoint, Window


class PriorityFlags(TimeStampedModel):
    """Disability and pregnancy recorded for a person, for automatic priority (老弱病残孕)."""

    person = models.OneToOneField(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="service_priority",
    )
    disabled = models.BooleanField(_("disability certificate"), default=False)
    ill = models.BooleanField(_("serious illness"), default=False)
    pregnant_until = models.DateField(_("pregnant until"), null=True, blank=True)

    class Meta:
        verbose_name = _("priority flags")
        verbose_name_plural = _("priority flags")


class TicketCounter(models.Model):
    """The last number handed out for (point, prefix, day): locked while issuing."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=1)
    service_date = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["point", "prefix", "service_date"], name="uniq_ticket_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.service_date} {self.last}"


class Channel(models.TextChoices):
    KIOSK = "kiosk", _("kiosk")
    PHONE = "phone", _("phone")
    APPOINTMENT = "appointment", _("appointment")


class PriorityReason(models.TextChoices):
    ELDERLY = "elderly", _("elderly")
    WEAK = "weak", _("frail")
    ILL = "ill", _("ill")
    DISABLED = "disabled", _("disabled")
    PREGNANT = "pregnant", _("pregnant")


class TicketState(models.TextChoices):
    WAITING = "waiting", _("waiting")
    CALLED = "called", _("called")
    SERVING = "serving", _("being served")
    DONE = "done", _("done")
    NO_SHOW = "no_show", _("no-show")
    CANCELLED = "cancelled", _("cancelled")


def _follow_token() -> str:
    return secrets.token_urlsafe(12)


class Ticket(models.Model):
    """A queue ticket (排队号). ``number`` like A001 is unique per point and day.

    A transfer puts the same ticket back in the queue for another business or
    window, keeping its number and its place by issue time.
    """

    # Indexes are few on purpose: a ticket is the hall's hottest insert. The point
    # is the first column of uniq_ticket_number; business types are only deleted
    # when unused (PROTECT's one scan is rare).
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.PROTECT, related_name="tickets",
        db_index=False,
    )
    business_type = models.ForeignKey(
        BusinessType, verbose_name=_("business"), on_delete=models.PROTECT, related_name="tickets",
        db_index=False,
    )
    service_date = models.DateField(_("service date"))
    number = models.CharField(pgettext_lazy("service halls", "number"), max_length=8)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    is_priority = models.BooleanField(pgettext_lazy("service halls", "priority"), default=False)
    priority_reason = models.CharField(
        _("priority reason"), max_length=12, choices=PriorityReason.choices, blank=True
    )
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    appointment = models.OneToOneField(
        "Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=TicketState.choices, default=TicketState.WAITING
    )
    target_window = models.ForeignKey(
        Window,
        verbose_name=_("transferred to window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    issued_at = models.DateTimeField(pgettext_lazy("queue ticket", "issued at"))
    # An appointment's slot start, copied at check-in: the queue calls due
    # appointments first without joining appointments and slots.
    due_at = models.DateTimeField(_("appointment at"), null=True, blank=True)
    called_at = models.DateTimeField(pgettext_lazy("queue ticket", "called at"), null=True, blank=True)
    first_called_at = models.DateTimeField(_("first called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("service finished at"), null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    transfer_count = models.PositiveSmallIntegerField(_("transfers"), default=0)
    token = models.CharField(max_length=24, default=_follow_token, editable=False)
    # A kiosk ticket may carry a phone number (optional), encrypted; its keyed hash finds the
    # ticket again in 我的 once that phone's owner signs in.
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["point", "service_date", "number"], name="uniq_ticket_number"
            ),
            # a constraint, not unique=True: that would add a second (LIKE) index
            models.UniqueConstraint(fields=["token"], name="uniq_ticket_token"),
        ]
        # The state is a key column of the queue's indexes, not their partial-index condition:
        # a prepared statement's generic plan (ADR 0020) cannot tell that ``state = $1`` is
        # "waiting", so it could not use an index limited to waiting rows and PostgreSQL would
        # plan call-next's pick again at every call. A state change already writes a new entry in
        # every index (the state is indexed, so no update is HOT); these are one entry more.
        indexes = [
            # The queue: the tickets of a point and day in the order they are called (call-next
            # reads each tier's first free ticket along it; a citizen's position counts along it).
            models.Index(fields=["point", "service_date", "state", "is_priority", "issued_at", "id"],
                         name="ticket_queue"),
            models.Index(fields=["point", "service_date", "state", "due_at"],
                         condition=models.Q(due_at__isnull=False), name="ticket_queue_due"),
            # What is at a window now (call-next refuses while a number is there).
            models.Index(fields=["window", "service_date", "state"], condition=models.Q(window__isnull=False),
                         name="ticket_window_state"),
            models.Index(fields=["user"], condition=models.Q(user__isnull=False), name="ticket_user"),
            models.Index(fields=["person"], condition=models.Q(person__isnull=False), name="ticket_person"),
            models.Index(fields=["phone_hash"], condition=~models.Q(phone_hash=""), name="ticket_phone"),
            models.Index(fields=["target_window"], condition=models.Q(target_window__isnull=False),
                         name="ticket_target_window"),
        ]

    def __str__(self) -> str:
        return self.number


class EventKind(models.TextChoices):
    CALLED = "called", _("called")
    RECALLED = "recalled", _("called again")
    SKIPPED = "skipped", _("no-show")
    TRANSFERRED = "transferred", _("transferred")
    STARTED = "started", _("service started")
    FINISHED = "finished", _("service finished")
    CANCELLED = "cancelled", _("cancelled")


class TicketEvent(models.Model):
    """Everything that happened to a ticket; also the live display's event log
    (its id is the server-sent event id a display catches up from)."""

    # Read by (point, id) — the display's log — and by ticket; the point, window and
    # actor columns get no index of their own (each is one more write per event).
    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            models.Index(fields=["point", "id"]),
            # a window's last call of the day, which its priority policy reads (services/calling.py):
            # by time, so a window with no call yet today stops at today's start instead of walking
            # its older calls; the kind a key column, not a partial-index condition, for the same
            # reason as the tickets' queue indexes (a generic plan of ``kind = $1``)
            models.Index(fields=["window", "kind", "at", "id"], condition=models.Q(window__isnull=False),
                         name="ticketevent_window_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


@dataclass(frozen=True)
class Transition:
    """One way a ticket's state changes: the states it applies from, the state it leaves it
    in, the TicketEvent it writes (the display shows it when ``on_display``), the time it
    stamps and the count it adds one to, and its audit type."""

    action: str
    sources: tuple[str, ...]
    target: str
    event: str
    stamp: str | None = None
    counter: str | None = None
    on_display: bool = True

    @property
    def audit_type(self) -> str:
        return f"service_halls.ticket_{self.action}"


# Every state change of a ticket, declared once: the services apply them (a conditional
# update on ``sources``), the clerk's screen offers the actions the current state allows,
# and the display shows the events marked ``on_display``. A transfer re-queues the same
# ticket (ADR 0010 §2); a recall calls it again without changing its state.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("call", (TicketState.WAITING,), TicketState.CALLED, EventKind.CALLED, stamp="called_at"),
        Transition("recall", (TicketState.CALLED,), TicketState.CALLED, EventKind.RECALLED, stamp="called_at",
                   counter="recall_count"),
        Transition("skip", (TicketState.CALLED,), TicketState.NO_SHOW, EventKind.SKIPPED),
        Transition("start", (TicketState.CALLED,), TicketState.SERVING, EventKind.STARTED, stamp="started_at"),
        Transition("finish", (TicketState.SERVING,), TicketState.DONE, EventKind.FINISHED, stamp="finished_at"),
        Transition("transfer", (TicketState.CALLED, TicketState.SERVING), TicketState.WAITING,
                   EventKind.TRANSFERRED, counter="transfer_count"),
        Transition("cancel", (TicketState.WAITING,), TicketState.CANCELLED, EventKind.CANCELLED,
                   on_display=False),
    )
}
# The states of a number that is at a window (called, or being served there).
AT_WINDOW = (TicketState.CALLED, TicketState.SERVING)
# What a hall's screen shows.
DISPLAY_KINDS = tuple(t.event for t in TRANSITIONS.values() if t.on_display)


# What a clerk does to the number at their window (calling and cancelling aside).
WINDOW_ACTIONS = ("recall", "skip", "start", "finish", "transfer")


def actions_allowed(state: str) -> list[str]:
    """The window actions that apply to a ticket in ``state``."""
    return [a for a in WINDOW_ACTIONS if state in TRANSITIONS[a].sources]
