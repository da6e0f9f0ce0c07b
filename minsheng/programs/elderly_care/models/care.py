"""Providers, caregivers, the service catalogue, work orders and their verification."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel

from ..catalogue import SERVICE_ITEMS, Unit


class ServiceItem(models.Model):
    """服务项目 — 助餐, 助洁, 助浴, 助医, 助行, 代办, 精神慰藉, 康复护理 …"""

    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=60)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    default_price = models.DecimalField(_("guide price (yuan)"), max_digits=8, decimal_places=2)
    default_minutes = models.PositiveSmallIntegerField(_("planned minutes"), default=60)
    checklist = models.JSONField(_("task checklist"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """The service's name in the reader's language: the catalogue's for a standard service
        (the stored title was written in the language of whoever set the city up)."""
        return next((str(t) for code, t, *_rest in SERVICE_ITEMS if code == self.code), self.title)


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("in force")
    SUSPENDED = "suspended", _("suspended")
    TERMINATED = "terminated", _("terminated")


class ProviderContract(TimeStampedModel):
    """政府购买服务合同 — a provider's contract for a region, with prices per item.

    Signed by a civil-affairs bureau (``bureau``); only a contract in force, within its
    period, prices a visit (services/orders.contract_price)."""

    provider = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="care_contracts",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region served"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    bureau = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("signed by (civil affairs)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ContractStatus.choices,
        default=ContractStatus.ACTIVE,
        db_index=True,
    )
    services = models.ManyToManyField(ServiceItem, through="ContractPrice", related_name="+")

    class Meta:
        verbose_name = _("provider contract")
        verbose_name_plural = _("provider contracts")

    def __str__(self) -> str:
        return self.number


class ContractPrice(models.Model):
    contract = models.ForeignKey(
        ProviderContract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="prices",
    )
    service = models.ForeignKey(ServiceItem, verbose_name=_("service"), on_delete=models.PROTECT)
    price = models.DecimalField(_("unit price (yuan)"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("contract price")
        verbose_name_plural = _("contract prices")
        constraints = [
            models.UniqueConstraint(fields=["contract", "service"], name="ec_one_price_per_item")
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Qualification(models.TextChoices):
    CARER_5 = "carer_5", _("elderly carer, level 5 (beginner)")
    CARER_4 = "carer_4", _("elderly carer, level 4 (intermediate)")
    CARER_3 = "carer_3", _("elderly carer, level 3 (advanced)")
    NURSE = "nurse", _("registered nurse")
    THERAPIST = "therapist", _("rehabilitation therapist")
    NONE = "none", _("no certificate yet")


class Caregiver(TimeStampedModel):
    """养老护理员 — a provider's caregiver, who also holds the ``caregiver`` role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="caregiver",
    )
    provider = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="caregivers",
    )
    qualification = models.CharField(
        _("qualification"), max_length=12, choices=Qualification.choices, default=Qualification.NONE
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    certificate_valid_to = models.DateField(_("certificate valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")

    def __str__(self) -> str:
        return str(self.user)


class CareSchedule(TimeStampedModel):
    """A recurring plan: this service for this elder on these weekdays at this time."""

    elder = models.ForeignKey(
        "elderly_care.Elder",
        verbose_name=_("elder"),
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    provider = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    caregiver = models.ForeignKey(
        Caregiver,
        verbose_name=_("caregiver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schedules",
    )
    service = models.ForeignKey(ServiceItem, verbose_name=_("service"), on_delete=models.PROTECT)
    weekdays = models.JSONField(_("weekdays (1 = Monday)"), default=list)
    start_time = models.TimeField(_("start time"))
    minutes = models.PositiveSmallIntegerField(_("planned minutes"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("care schedule")
        verbose_name_plural = _("care schedules")


class OrderStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    DISPATCHED = "dispatched", _("dispatched")
    IN_PROGRESS = "in_progress", _("in progress")
    AWAITING = "awaiting", _("awaiting the elder's confirmation")
    VERIFIED = "verified", _("verified")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")


class WorkOrder(TimeStampedModel):
    """服务工单 — one visit: planned or requested, dispatched, checked in and out, confirmed."""

    # elder, provider, caregiver and status have no index of their own: the
    # composite indexes below lead with them, and every index is one more write
    # when settlement attaches a month of visits to statements.
    elder = models.ForeignKey(
        "elderly_care.Elder",
        verbose_name=_("elder"),
        on_delete=models.PROTECT,
        related_name="work_orders",
        db_index=False,
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    caregiver = models.ForeignKey(
        Caregiver,
        verbose_name=_("caregiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        db_index=False,
    )
    service = models.ForeignKey(ServiceItem, verbose_name=_("service"), on_delete=models.PROTECT)
    schedule = models.ForeignKey(
        CareSchedule,
        verbose_name=_("schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_request = models.BooleanField(_("requested (not planned)"), default=False)
    planned_start = models.DateTimeField(_("planned start"), db_index=True)
    planned_minutes = models.PositiveSmallIntegerField(_("planned minutes"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OrderStatus.choices,
        default=OrderStatus.PLANNED,
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_lat = models.FloatField(null=True, blank=True)
    check_in_lon = models.FloatField(null=True, blank=True)
    check_in_distance_m = models.FloatField(_("check-in distance (m)"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_out_lat = models.FloatField(null=True, blank=True)
    check_out_lon = models.FloatField(null=True, blank=True)
    check_out_distance_m = models.FloatField(_("check-out distance (m)"), null=True, blank=True)
    minutes_served = models.PositiveIntegerField(_("minutes served"), null=True, blank=True)
    checklist_done = models.JSONField(_("tasks done"), default=list, blank=True)
    confirm_code_hash = models.CharField(max_length=64, blank=True)
    confirm_code_sent_at = models.DateTimeField(null=True, blank=True)
    confirm_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_by = models.CharField(
        pgettext_lazy("elderly care", "confirmed by"),
        max_length=10,
        blank=True,
        choices=[("code", _("code sent to family")), ("signature", _("signature on screen"))],
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=7, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=8, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2, default=0)
    statement = models.ForeignKey(
        "elderly_care.SettlementStatement",
        verbose_name=_("statement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["provider", "status", "planned_start"]),
            models.Index(fields=["caregiver", "checked_in_at"]),
            models.Index(fields=["elder", "planned_start"]),
            # Only the done visits not yet on a statement: what settlement looks for,
            # a month or so of visits however long the settled history grows.
            models.Index(
                fields=["provider", "planned_start"],
                name="ec_wo_unsettled",
                condition=models.Q(statement__isnull=True, status__in=["verified", "rejected"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service} · {self.elder}"


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("before")
    DURING = "during", _("during")
    AFTER = "after", _("after")
    SIGNATURE = "signature", _("elder's signature")


class VisitPhoto(TimeStampedModel):
    """A photo (or the drawn signature) of a visit, re-encoded without EXIF, with its dHash."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    attachment = models.ForeignKey(
        "attachments.Attachment",
        verbose_name=_("file"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True, db_index=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")


class AnomalyKind(models.TextChoices):
    SHORT = "short", _("visit shorter than planned")
    GEOFENCE = "geofence", _("checked in outside the geofence")
    OVERLAP = "overlap", _("caregiver in two homes at once")
    PHOTO_REUSED = "photo_reused", _("same photo used again")
    OVERDRAWN = "overdrawn", _("entitlement overdrawn")


class AnomalyStatus(models.TextChoices):
    OPEN = "open", _("to review")
    CLEARED = "cleared", _("cleared (paid)")
    DEDUCTED = "deducted", _("upheld (deducted)")


class Anomaly(TimeStampedModel):
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="anomalies"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=AnomalyKind.choices)
    detail = models.JSONField(pgettext_lazy("elderly care", "detail"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AnomalyStatus.choices,
        default=AnomalyStatus.OPEN,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        constraints = [
            models.UniqueConstraint(fields=["work_order", "kind"], name="ec_one_anomaly_per_kind")
        ]
        indexes = [
            # The review list: open anomalies newest first, a keyset page at a time.
            models.Index(
                fields=["-created_at", "-id"],
                name="ec_anomaly_open",
                condition=models.Q(status="open"),
            ),
        ]
