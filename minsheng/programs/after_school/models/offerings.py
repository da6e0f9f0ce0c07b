"""Terms, offerings and their per-day places, fee waivers."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel

from .school import FamilyCategory, Teacher

WEEKDAY_NAMES = {
    0: _("Monday"),
    1: _("Tuesday"),
    2: _("Wednesday"),
    3: _("Thursday"),
    4: _("Friday"),
    5: _("Saturday"),
    6: _("Sunday"),
}



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

    @property
    def weekday_name(self):
        return WEEKDAY_NAMES.get(self.weekday, "")


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
