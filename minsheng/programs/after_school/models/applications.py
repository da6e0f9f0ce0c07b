"""Application windows, applications and their per-day seat requests (allocation and waiting lists)."""

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel

from .offerings import WEEKDAY_NAMES, Offering, OfferingDay, Term


class LotteryState(models.TextChoices):
    NONE = "", _("no lottery")
    COMMITTED = "committed", _("seed committed")
    RUNNING = "running", _("running")
    DONE = "done", _("drawn, results not published")
    FAILED = "failed", _("failed")
    PUBLISHED = "published", pgettext_lazy("lottery state", "results published")


class LotteryTransition(NamedTuple):
    """A declared change of a window's lottery: the states it leaves from and the one it enters."""

    action: str
    sources: tuple[str, ...]
    target: str


# A window's lottery: the seed committed when the window is made (services.offerings.window_create),
# run after the close (a failed or interrupted run is run again), finished, and only then published
# to families by whoever runs the window (services.lottery).
LOTTERY_TRANSITIONS: dict[str, LotteryTransition] = {
    t.action: t
    for t in (
        LotteryTransition("run", (LotteryState.COMMITTED, LotteryState.RUNNING, LotteryState.FAILED),
                          LotteryState.RUNNING),
        LotteryTransition("finish", (LotteryState.RUNNING,), LotteryState.DONE),
        LotteryTransition("fail", (LotteryState.RUNNING,), LotteryState.FAILED),
        LotteryTransition("publish", (LotteryState.DONE,), LotteryState.PUBLISHED),
    )
}


class ApplicationWindow(TimeStampedModel):
    """报名时间 — when guardians may apply for a term's offerings (one school or city-wide)."""

    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="windows"
    )
    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="after_school_windows",
        help_text=_("Empty: the window is city-wide."),
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    accept_days = models.PositiveSmallIntegerField(
        _("days to accept an offered place"), default=3
    )
    lower_grades_first = models.BooleanField(_("lower grades first"), default=True)
    dual_working_first = models.BooleanField(_("dual-working families first"), default=True)
    keep_siblings_together = models.BooleanField(_("keep siblings together"), default=True)
    # The core draw (minsheng.draws.PublishedDraw) committed before the window closes.
    draw_id = models.BigIntegerField(_("published draw"), null=True, blank=True)
    seed_hash = models.CharField(_("SHA-256 of the seed"), max_length=64, blank=True)
    lottery_state = models.CharField(
        _("lottery"), max_length=10, choices=LotteryState.choices, blank=True, default=""
    )
    lottery_done = models.PositiveIntegerField(_("lottery progress"), default=0)
    lottery_total = models.PositiveIntegerField(_("lottery size"), default=0)
    lottery_started_at = models.DateTimeField(_("lottery started"), null=True, blank=True)
    lottery_finished_at = models.DateTimeField(_("lottery finished"), null=True, blank=True)
    # Families see the lottery's results (and are told them) only once a manager publishes them.
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)

    class Meta:
        verbose_name = _("application window")
        verbose_name_plural = _("application windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="as_window_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} · {self.opens_at:%Y-%m-%d}"

    @property
    def results_pending(self) -> bool:
        """The lottery has run (or is running) and its results are not published yet."""
        return self.lottery_state in (LotteryState.RUNNING, LotteryState.DONE)


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ADMITTED = "admitted", _("admitted")
    WAITLISTED = "waitlisted", _("on the waiting list")
    OFFERED = "offered", _("place offered")
    ACCEPTED = "accepted", _("place accepted")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REJECTED = "rejected", _("not admitted")


ACTIVE_STATES = ["submitted", "admitted", "waitlisted", "offered", "accepted"]


class Application(TimeStampedModel):
    """A guardian's application for one child to one offering, on some days of the week."""

    # Every index is paid on each insert of the enrolment rush and each row the lottery settles:
    # uniqueness by constraint (no extra LIKE index), and the offering and school foreign keys
    # are served by the (offering, state) and (school, state) indexes.
    reference = models.CharField(pgettext_lazy("after-school", "reference number"), max_length=20)
    student = models.ForeignKey(
        "identity.Person",
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        related_name="after_school_applications",
    )
    guardian = models.ForeignKey(
        "identity.Person",
        verbose_name=_("guardian"),
        on_delete=models.PROTECT,
        related_name="after_school_applications_made",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.PROTECT, related_name="applications",
        db_index=False,
    )
    window = models.ForeignKey(
        ApplicationWindow,
        verbose_name=_("application window"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    dual_working = models.BooleanField(_("both parents working"), default=False)
    rank = models.PositiveSmallIntegerField(_("choice rank"), default=1)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=ApplicationState.choices,
        default=ApplicationState.SUBMITTED,
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    fee_due = models.DecimalField(_("fee due (yuan)"), max_digits=8, decimal_places=2, default=0)
    waiver_percent = models.PositiveSmallIntegerField(_("waiver (%)"), default=0)

    class Meta:
        verbose_name = _("after-school application")
        verbose_name_plural = _("after-school applications")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "offering"],
                condition=Q(state__in=ACTIVE_STATES),
                name="as_one_active_application",
            ),
            models.UniqueConstraint(fields=["reference"], name="as_uniq_reference"),
            models.UniqueConstraint(fields=["idempotency_key"], name="as_uniq_idempotency_key"),
        ]
        indexes = [models.Index(fields=["offering", "state"]), models.Index(fields=["school", "state"])]

    def __str__(self) -> str:
        return self.reference


class SeatState(models.TextChoices):
    PENDING = "pending", _("awaiting the lottery")
    ADMITTED = "admitted", _("admitted")
    WAITLISTED = "waitlisted", _("on the waiting list")
    OFFERED = "offered", _("place offered")
    DECLINED = "declined", _("declined")
    EXPIRED = "expired", _("offer expired")
    WITHDRAWN = "withdrawn", _("withdrawn")
    # The lottery gave the child a place at these hours from a better-ranked choice (services.lottery).
    SUPERSEDED = "superseded", _("not needed: a better-ranked choice was admitted at these hours")


HOLDING_SEAT = ["admitted", "offered"]


class SeatRequest(models.Model):
    """One day of the week of an application: allocated per (offering, day); holds the waitlist."""

    application = models.ForeignKey(  # indexed by the (application, weekday) constraint
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="seats",
        db_index=False,
    )
    day = models.ForeignKey(
        OfferingDay, verbose_name=_("day"), on_delete=models.PROTECT, related_name="requests"
    )
    weekday = models.PositiveSmallIntegerField(_("day of the week"))
    state = models.CharField(
        _("state"), max_length=10, choices=SeatState.choices, default=SeatState.PENDING
    )
    waitlist_position = models.PositiveIntegerField(_("waiting-list position"), null=True, blank=True)
    draw_position = models.PositiveIntegerField(_("draw position"), null=True, blank=True)
    offered_until = models.DateTimeField(_("accept by"), null=True, blank=True)

    class Meta:
        verbose_name = _("seat request")
        verbose_name_plural = _("seat requests")
        constraints = [
            models.UniqueConstraint(fields=["application", "weekday"], name="as_uniq_seat_day"),
        ]
        # Partial: only waiting and offered seats are looked up by state (promotion, the expiry
        # sweep); the millions of pending and admitted ones stay out of these indexes.
        indexes = [
            models.Index(fields=["day", "waitlist_position"], condition=Q(state="waitlisted"),
                         name="as_seat_waitlist"),
            models.Index(fields=["offered_until"], condition=Q(state="offered"), name="as_seat_offered"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.weekday}:{self.state}"

    @property
    def weekday_name(self):
        return WEEKDAY_NAMES.get(self.weekday, "")
