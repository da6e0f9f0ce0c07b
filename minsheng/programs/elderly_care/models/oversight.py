"""Oversight of the care delivered: the canteens' meal records, the civil-affairs bureau's
follow-up calls on a sample of visits, and the rectifications ordered from providers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel

from .care import WorkOrder


class MealRecord(TimeStampedModel):
    """A meal taken at a 老年食堂 (recorded at the meal counter)."""

    elder = models.ForeignKey(
        "elderly_care.Elder",
        verbose_name=_("elder"),
        on_delete=models.PROTECT,
        related_name="meals",
    )
    canteen = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("canteen"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    served_on = models.DateField(_("date"))
    meal = models.CharField(
        _("meal"),
        max_length=10,
        choices=[("breakfast", _("breakfast")), ("lunch", _("lunch")), ("dinner", _("dinner"))],
    )
    price = models.DecimalField(_("price (yuan)"), max_digits=6, decimal_places=2)
    subsidy = models.DecimalField(_("subsidy (yuan)"), max_digits=6, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("canteen meal")
        verbose_name_plural = _("canteen meals")
        constraints = [
            models.UniqueConstraint(fields=["elder", "served_on", "meal"], name="ec_one_meal")
        ]


class FollowUpSample(TimeStampedModel):
    """回访抽样 — one month's reproducible random sample of verified visits."""

    month = models.DateField(_("month"), unique=True)
    seed = models.CharField(_("seed"), max_length=64)
    size = models.PositiveIntegerField(_("sample size"))
    population = models.PositiveIntegerField(_("verified visits in the month"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up sample")
        verbose_name_plural = _("follow-up samples")


class CallResult(models.TextChoices):
    PENDING = "pending", _("not called yet")
    GOOD = "good", _("visit confirmed, satisfied")
    FAIR = "fair", _("visit confirmed, some complaints")
    BAD = "bad", _("visit denied or poor service")
    UNREACHABLE = "unreachable", _("could not reach")


class FollowUpCall(TimeStampedModel):
    sample = models.ForeignKey(
        FollowUpSample, verbose_name=_("sample"), on_delete=models.CASCADE, related_name="calls"
    )
    work_order = models.OneToOneField(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="follow_up"
    )
    position = models.PositiveIntegerField(_("position in the draw"))
    result = models.CharField(
        _("result"), max_length=12, choices=CallResult.choices, default=CallResult.PENDING
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["position"]


class Rectification(TimeStampedModel):
    """整改 — after a bad follow-up; its state is the case (process ``elderly_care_rectification``)."""

    provider = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up = models.OneToOneField(
        FollowUpCall,
        verbose_name=_("follow-up call"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="rectification",
    )
    reason = models.TextField(_("reason"))
    due_at = models.DateTimeField(_("due by"))
    response = models.TextField(_("provider's report"), blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        on_delete=models.PROTECT,
        related_name="elderly_care_rectification",
    )

    class Meta:
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
