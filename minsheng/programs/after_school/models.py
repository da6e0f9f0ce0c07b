"""课后服务 "5+2" — schools' classes, after-school offerings, applications, seats and daily running.

Schools are access.Organisation rows (kind="school"); students and guardians
are identity.Person rows, guardianship is identity.PersonRelation(kind="guardian").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel

WEEKDAY_NAMES = {
    0: _("Monday"),
    1: _("Tuesday"),
    2: _("Wednesday"),
    3: _("Thursday"),
    4: _("Friday"),
    5: _("Saturday"),
    6: _("Sunday"),
}


class Grade(models.Model):
    """年级 — a grade of a school (1–6 primary, 7–9 junior secondary)."""

    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_grades",
    )
    level = models.PositiveSmallIntegerField(_("grade level"))
    name = models.CharField(_("name"), max_length=20)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["school_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["school", "level"], name="as_uniq_grade"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=9), name="as_grade_1_9"),
        ]

    def __str__(self) -> str:
        return self.name


class ClassGroup(models.Model):
    """班级 — a class of a grade in one school year (``school_year`` = the year it starts)."""

    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_classes",
    )
    grade = models.ForeignKey(
        Grade, verbose_name=_("grade"), on_delete=models.CASCADE, related_name="classes"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    number = models.PositiveSmallIntegerField(_("class number"))
    name = models.CharField(_("name"), max_length=30)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade__level", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade", "school_year", "number"], name="as_uniq_class"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FamilyCategory(models.TextChoices):
    NONE = "", _("none")
    DIBAO = "dibao", _("minimum living allowance (低保)")
    TEKUN = "tekun", _("extreme poverty support (特困)")
    LOW_INCOME = "low_income", _("low-income family (低收入)")
    ORPHAN = "orphan", _("orphan or de facto unsupported child")
    DISABLED = "disabled", _("family with a disabled member")
    MARTYR = "martyr", _("family of a martyr or serviceman")


class Enrolment(models.Model):
    """A student in a class for a school year, with the family facts that allocation and fees use."""

    student = models.ForeignKey(
        "identity.Person",
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="after_school_enrolments",
    )
    class_group = models.ForeignKey(
        ClassGroup, verbose_name=_("class"), on_delete=models.CASCADE, related_name="enrolments"
    )
    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_enrolments",
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    family_category = models.CharField(
        _("family category"),
        max_length=16,
        choices=FamilyCategory.choices,
        blank=True,
        default="",
    )
    dual_working = models.BooleanField(_("both parents working"), default=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="as_uniq_enrolment"),
        ]
        indexes = [models.Index(fields=["school", "school_year"])]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.class_group_id}"


class Teacher(TimeStampedModel):
    """A teacher of a school, who may run after-school sessions."""

    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="after_school_teaching",
    )
    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_teachers",
    )
    subjects = models.CharField(_("subjects"), max_length=100, blank=True)
    party_member = models.BooleanField(_("Communist Party member"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        constraints = [
            models.UniqueConstraint(fields=["person", "school"], name="as_uniq_teacher"),
        ]

    def __str__(self) -> str:
        return str(self.person)


class Term(models.Model):
    """学期 — a term (or a holiday) during which offerings run."""

    name = models.CharField(_("name"), max_length=50)
    school_year = models.PositiveSmallIntegerField(_("school year"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="as_term_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class OfferingKind(models.TextChoices):
    WEEKDAY = "weekday", _("weekday extended care (延时服务班)")
    WEEKEND = "weekend", _("weekend care (周末托管班)")
    HOLIDAY = "holiday", _("holiday care (假期托管班)")


class Activity(models.TextChoices):
    HOMEWORK = "homework", _("homework help")
    CLUBS = "clubs", _("clubs and interest groups")
    SPORTS = "sports", _("sports")
    SUPERVISION = "supervision", _("supervision (no teaching)")


class FeeBasis(models.TextChoices):
    TERM = "term", _("per term")
    SESSION = "session", _("per session")


class Allocation(models.TextChoices):
    FIRST_COME = "first_come", _("first come, first served")
    LOTTERY = "lottery", _("lottery")


class Offering(TimeStampedModel):
    """A care class for a term: which days, when, for whom, how many, by whom, at what fee.

    ``school`` is the school whose students may apply (empty: any school in
    ``region``); ``host`` runs it (the school itself, another school or a
    community). Holiday care is supervision only (MoE 2021).
    """

    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="offerings"
    )
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=OfferingKind.choices)
    activity = models.CharField(_("activity"), max_length=12, choices=Activity.choices)
    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("for students of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="after_school_offerings",
    )
    host = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="after_school_hosted",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    weekdays = models.JSONField(_("days of the week"), default=list)
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    grade_min = models.PositiveSmallIntegerField(_("lowest grade"), default=1)
    grade_max = models.PositiveSmallIntegerField(_("highest grade"), default=9)
    capacity = models.PositiveIntegerField(_("places per day"))
    teachers = models.ManyToManyField(
        Teacher, verbose_name=_("teachers"), blank=True, related_name="offerings"
    )
    fee = models.DecimalField(_("fee (yuan)"), max_digits=8, decimal_places=2, default=0)
    fee_basis = models.CharField(
        _("fee basis"), max_length=8, choices=FeeBasis.choices, default=FeeBasis.TERM
    )
    allocation = models.CharField(
        _("allocation"), max_length=12, choices=Allocation.choices, default=Allocation.FIRST_COME
    )
    supervision_only = models.BooleanField(_("supervision only"), default=False)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("after-school offering")
        verbose_name_plural = _("after-school offerings")
        indexes = [models.Index(fields=["term", "school"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="as_offering_times"
            ),
            models.CheckConstraint(
                condition=~Q(kind="holiday") | Q(supervision_only=True),
                name="as_holiday_is_supervision",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class OfferingDay(models.Model):
    """Places of an offering on one day of the week — the row locked when a seat is taken."""

    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.CASCADE, related_name="days"
    )
    weekday = models.PositiveSmallIntegerField(_("day of the week"))
    capacity = models.PositiveIntegerField(_("places"))
    taken = models.PositiveIntegerField(_("places taken"), default=0)

    class Meta:
        verbose_name = _("offering day")
        verbose_name_plural = _("offering days")
        ordering = ["offering_id", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "weekday"], name="as_uniq_offering_day"),
            models.CheckConstraint(condition=Q(taken__lte=models.F("capacity")), name="as_never_oversold"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="as_weekday_0_6"),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id}:{self.weekday}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


class FeeWaiverRule(models.Model):
    """Fee waiver by family category (低保, 特困 …); ``term`` empty = every term."""

    category = models.CharField(_("family category"), max_length=16, choices=FamilyCategory.choices)
    term = models.ForeignKey(
        Term, verbose_name=_("term"), null=True, blank=True, on_delete=models.CASCADE
    )
    waiver_percent = models.PositiveSmallIntegerField(_("waiver (%)"))

    class Meta:
        verbose_name = _("fee waiver rule")
        verbose_name_plural = _("fee waiver rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "term"], name="as_uniq_waiver"),
            models.CheckConstraint(condition=Q(waiver_percent__lte=100), name="as_waiver_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.waiver_percent}%"


class LotteryState(models.TextChoices):
    NONE = "", _("no lottery")
    COMMITTED = "committed", _("seed committed")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


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


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Session(models.Model):
    """One day on which an offering is held, led by a teacher."""

    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=SessionState.choices, default=SessionState.SCHEDULED
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "offering_id"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "date"], name="as_uniq_session"),
        ]

    def __str__(self) -> str:
        return f"{self.offering} {self.date}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("present")
    ABSENT = "absent", _("absent")
    LEAVE = "leave", _("on leave")


class Attendance(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    student = models.ForeignKey(
        "identity.Person", verbose_name=_("student"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=AttendanceStatus.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="as_uniq_attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.student_id}:{self.status}"


class PickUp(models.Model):
    """接送 — who collected the child, when; late when after the session's end plus a grace period."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="pickups"
    )
    student = models.ForeignKey(
        "identity.Person", verbose_name=_("student"), on_delete=models.CASCADE, related_name="+"
    )
    collected_by = models.ForeignKey(
        "identity.Person", verbose_name=_("collected by"), on_delete=models.PROTECT, related_name="+"
    )
    collected_at = models.DateTimeField(_("collected at"))
    late = models.BooleanField(_("late"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pick-up")
        verbose_name_plural = _("pick-ups")
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="as_uniq_pickup"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.student_id}"
