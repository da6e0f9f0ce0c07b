"""Elder registry, assessments, entitlements, allowances, applications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel

from ..catalogue import AbilityLevel, AssessmentReason, ElderCategory, MentalDiagnosis


class LivingArrangement(models.TextChoices):
    ALONE = "alone", _("lives alone")
    SPOUSE = "spouse", _("with spouse")
    CHILDREN = "children", _("with children")
    RELATIVES = "relatives", _("with other relatives")
    CARER = "carer", _("with a paid carer")
    OTHER = "other", _("other")


class ElderStatus(models.TextChoices):
    ACTIVE = "active", _("receiving services")
    SUSPENDED = "suspended", _("services suspended")
    LEFT = "left", _("left the programme")
    DECEASED = "deceased", _("deceased")


class Elder(TimeStampedModel):
    """居家养老服务对象 — an older person registered for home care (one per Person)."""

    person = models.OneToOneField(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="elder_record",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.CharField(_("household number"), max_length=40, blank=True, db_index=True)
    living_arrangement = models.CharField(
        _("living arrangement"),
        max_length=16,
        choices=LivingArrangement.choices,
        default=LivingArrangement.SPOUSE,
    )
    categories = models.JSONField(_("categories"), default=list, blank=True)
    address = models.CharField(_("home address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    geofence_m = models.PositiveIntegerField(_("geofence radius (m)"), default=200)
    ability_level = models.PositiveSmallIntegerField(
        _("ability level"), choices=AbilityLevel.choices, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ElderStatus.choices,
        default=ElderStatus.ACTIVE,
        db_index=True,
    )
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("elder")
        verbose_name_plural = _("elders")
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return str(self.person)

    def category_labels(self) -> list[str]:
        labels = dict(ElderCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]


class AbilityAssessment(TimeStampedModel):
    """老年人能力评估 (GB/T 42195-2022): the 26 item scores and the computed level."""

    elder = models.ForeignKey(
        Elder, verbose_name=_("elder"), on_delete=models.CASCADE, related_name="assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    reason = models.CharField(_("reason"), max_length=12, choices=AssessmentReason.choices)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    items = models.JSONField(_("item scores"))
    diagnosis = models.CharField(
        _("mental diagnosis"),
        max_length=10,
        choices=MentalDiagnosis.choices,
        default=MentalDiagnosis.NONE,
    )
    risk_events_30d = models.PositiveSmallIntegerField(
        _("care-risk events in the last 30 days"), default=0
    )
    total = models.PositiveSmallIntegerField(_("total score"))
    base_level = models.PositiveSmallIntegerField(_("level by score"), choices=AbilityLevel.choices)
    level = models.PositiveSmallIntegerField(_("final level"), choices=AbilityLevel.choices)
    adjustments = models.JSONField(_("adjustments"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("ability assessment")
        verbose_name_plural = _("ability assessments")
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.elder} {self.assessed_on} L{self.level}"


class EntitlementRule(TimeStampedModel):
    """A rule the city configures: category × ability level → monthly hours or yuan."""

    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ElderCategory.choices)
    min_level = models.PositiveSmallIntegerField(
        _("lowest ability level"), choices=AbilityLevel.choices, default=0
    )
    max_level = models.PositiveSmallIntegerField(
        _("highest ability level"), choices=AbilityLevel.choices, default=4
    )
    unit = models.CharField(
        _("unit"),
        max_length=8,
        choices=[("hours", _("hours per month")), ("yuan", _("yuan per month"))],
    )
    amount = models.DecimalField(_("monthly amount"), max_digits=9, decimal_places=2)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)

    class Meta:
        verbose_name = _("entitlement rule")
        verbose_name_plural = _("entitlement rules")
        ordering = ["-priority", "category", "min_level"]

    def __str__(self) -> str:
        return self.name


class ServiceEntitlement(TimeStampedModel):
    """服务补贴 — home-care service an elder may draw in one month (not cash)."""

    elder = models.ForeignKey(
        Elder, verbose_name=_("elder"), on_delete=models.CASCADE, related_name="entitlements"
    )
    month = models.DateField(_("month"))  # first day
    rule = models.ForeignKey(
        EntitlementRule,
        verbose_name=_("rule"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.CharField(_("unit"), max_length=8)
    amount = models.DecimalField(_("monthly amount"), max_digits=9, decimal_places=2)

    class Meta:
        verbose_name = _("service entitlement")
        verbose_name_plural = _("service entitlements")
        constraints = [
            models.UniqueConstraint(fields=["elder", "month"], name="ec_one_entitlement_a_month")
        ]


class AllowanceKind(models.TextChoices):
    LONGEVITY = "longevity", _("advanced-age allowance")
    CARE = "care", _("care subsidy")


class CashAllowance(TimeStampedModel):
    """高龄津贴 / 护理补贴 — a cash benefit, kept apart from service entitlements."""

    elder = models.ForeignKey(
        Elder, verbose_name=_("elder"), on_delete=models.CASCADE, related_name="allowances"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AllowanceKind.choices)
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cash allowance")
        verbose_name_plural = _("cash allowances")
        constraints = [
            models.UniqueConstraint(fields=["elder", "kind", "month"], name="ec_one_allowance")
        ]


class EntitlementRun(TimeStampedModel):
    """One bulk application of the rules to a month: the preview counts, then the result."""

    month = models.DateField(_("month"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        default="queued",
        choices=[("queued", _("queued")), ("done", _("done")), ("failed", _("failed"))],
    )
    gained = models.PositiveIntegerField(_("gained"), default=0)
    lost = models.PositiveIntegerField(_("lost"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("entitlement run")
        verbose_name_plural = _("entitlement runs")


class CareApplication(TimeStampedModel):
    """An application for home care, by the elder or family online or 帮办代办 by a community worker.

    Its state lives in the platform case (process ``elderly_care_application``): submitted →
    reviewing (a civil-affairs task with an SLA) → approved / rejected, or withdrawn.
    """

    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("older person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_behalf = models.BooleanField(_("submitted on the elder's behalf"), default=False)
    categories = models.JSONField(_("categories claimed"), default=list)
    living_arrangement = models.CharField(
        _("living arrangement"), max_length=16, choices=LivingArrangement.choices
    )
    reason = models.TextField(_("what help is needed"), blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        on_delete=models.PROTECT,
        related_name="elderly_care_application",
    )

    class Meta:
        verbose_name = _("home-care application")
        verbose_name_plural = _("home-care applications")
        ordering = ["-created_at"]

    @property
    def state(self) -> str:
        return self.case.state if self.case_id else ""

    def state_title(self) -> str:
        from minsheng.cases.process import get_process

        return str(get_process("elderly_care_application").state(self.state).title)
