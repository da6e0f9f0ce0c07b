"""企业开办 — enterprise start-up with zero visits: names, one-form drafts, co-signing,
the electronic business licence, postal delivery and timing of every step."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel
from minsheng.identity.fields import EncryptedTextField


class EnterpriseType(models.TextChoices):
    LLC = "llc", _("limited liability company")
    JOINT_STOCK = "joint_stock", _("company limited by shares")
    SOLE = "sole", _("sole proprietorship")
    PARTNERSHIP = "partnership", _("partnership")
    BRANCH = "branch", _("branch company")
    COOPERATIVE = "cooperative", _("farmers' professional cooperative")
    INDIVIDUAL = "individual", _("individual business")


class WordKind(models.TextChoices):
    BANNED = "banned", _("banned")
    RESTRICTED = "restricted", _("restricted (needs a note)")


class BannedWord(TimeStampedModel):
    """名称禁限用字词 — a word an enterprise name may not (or only with a note) contain."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=WordKind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("banned or restricted word")
        verbose_name_plural = _("banned and restricted words")
        ordering = ["kind", "word"]

    def __str__(self) -> str:
        return self.word


class ScopeCategory(models.TextChoices):
    GENERAL = "general", _("general item")
    LICENSED = "licensed", _("licensed item")


class ScopeItem(models.Model):
    """经营范围规范表述 — one entry of the standard-wording catalogue."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    wording = models.CharField(_("standard wording"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=ScopeCategory.choices)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    licence_needed = models.CharField(_("licence needed"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("business scope item")
        verbose_name_plural = _("business scope catalogue")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.wording


class SealShop(TimeStampedModel):
    """公安备案的印章刻制企业 — a licensed seal shop a founder may choose."""

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    licence_number = models.CharField(_("public security filing number"), max_length=40)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("licensed seal shop")
        verbose_name_plural = _("licensed seal shops")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class ReservationState(models.TextChoices):
    RESERVED = "reserved", _("reserved")
    USED = "used", _("used for a registration")
    RELEASED = "released", _("released")


class NameReservation(TimeStampedModel):
    """名称自主申报 — a self-declared enterprise name with the founder's pledge."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="name_reservations",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("administrative division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_word = models.CharField(_("division in the name"), max_length=40)
    trade_name = models.CharField(_("trade name"), max_length=20, db_index=True)
    trade_pinyin = models.CharField(_("trade name pinyin"), max_length=120, db_index=True)
    industry = models.CharField(_("industry or feature"), max_length=30)
    org_form = models.CharField(_("organisational form"), max_length=20)
    full_name = models.CharField(_("enterprise name"), max_length=120, db_index=True)
    restricted_note = models.TextField(_("note on restricted words"), blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    pledge_signed_at = models.DateTimeField(_("pledge signed at"))
    state = models.CharField(
        _("state"), max_length=20, choices=ReservationState.choices, default=ReservationState.RESERVED
    )
    reserved_until = models.DateField(_("reserved until"))

    class Meta:
        verbose_name = _("name reservation")
        verbose_name_plural = _("name reservations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["region", "industry", "state"])]

    def __str__(self) -> str:
        return self.full_name


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("draft")
    CONFIRMING = "confirming", _("waiting for shareholders to confirm")
    SUBMITTED = "submitted", _("submitted, departments at work")
    COMPLETED = "completed", _("completed")
    REJECTED = "rejected", pgettext_lazy("enterprise start-up", "refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class StartupApplication(TimeStampedModel):
    """一表填报 — the one form: a draft saved step by step, then one case.

    The founder's entries (with ID numbers) live encrypted in ``data``; the
    columns beside it are the normalised values lists and dashboards need.
    """

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="startup_applications",
    )
    reservation = models.OneToOneField(
        NameReservation,
        verbose_name=_("name reservation"),
        on_delete=models.PROTECT,
        related_name="application",
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    data = EncryptedTextField(_("form data"), blank=True, default="{}")
    steps_done = models.JSONField(_("steps completed"), default=list, blank=True)
    content_digest = models.CharField(_("content digest"), max_length=64, blank=True)
    enterprise_type = models.CharField(
        _("enterprise type"), max_length=20, choices=EnterpriseType.choices, blank=True
    )
    registered_capital = models.DecimalField(
        _("registered capital (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("district or county"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    bank = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("bank"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    seal_shop = models.ForeignKey(
        SealShop,
        verbose_name=_("seal shop"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="startup_application",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    elapsed_working_hours = models.FloatField(
        _("working hours from submission to the last output"), null=True, blank=True
    )
    visits = models.PositiveIntegerField(_("physical visits"), default=0)
    outputs = models.JSONField(_("department outputs"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("start-up application")
        verbose_name_plural = _("start-up applications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "region"])]

    def __str__(self) -> str:
        return self.reservation.full_name if self.reservation_id else str(self.pk)


class Confirmation(TimeStampedModel):
    """股东确认 — one natural-person shareholder's sign-in confirmation of the form."""

    application = models.ForeignKey(
        StartupApplication,
        verbose_name=pgettext_lazy("enterprise start-up", "application"),
        on_delete=models.CASCADE,
        related_name="confirmations",
    )
    name = models.CharField(_("name"), max_length=100)
    id_number_hash = models.CharField(max_length=64, db_index=True)
    id_number_tail = models.CharField(max_length=4, blank=True)
    digest = models.CharField(_("content digest"), max_length=64)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shareholder confirmation")
        verbose_name_plural = _("shareholder confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "id_number_hash"], name="uniq_startup_confirmation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.application_id}"


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("valid")
    CHANGED = "changed", _("superseded by a changed licence")
    REVOKED = "revoked", _("revoked")


class BusinessLicence(TimeStampedModel):
    """电子营业执照 — the licence; ``payload`` is what the SM2 signature covers."""

    application = models.ForeignKey(
        StartupApplication,
        verbose_name=pgettext_lazy("enterprise start-up", "application"),
        on_delete=models.PROTECT,
        related_name="licences",
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    serial = models.CharField(_("licence serial number"), max_length=40, unique=True)
    name = models.CharField(_("enterprise name"), max_length=120)
    payload = models.JSONField(_("signed fields"))
    signature = models.CharField(_("SM2 signature (hex)"), max_length=300)
    public_key = models.CharField(_("public key (hex)"), max_length=130)
    status = models.CharField(
        _("status"), max_length=20, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    issued_at = models.DateTimeField(_("issued at"))
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("business licence")
        verbose_name_plural = _("business licences")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class DeliveryState(models.TextChoices):
    PREPARING = "preparing", _("being prepared")
    POSTED = "posted", _("posted")
    IN_TRANSIT = "in_transit", _("on the way")
    DELIVERED = "delivered", _("delivered")
    RETURNED = "returned", _("returned to sender")


DELIVERY_NEXT = {
    DeliveryState.PREPARING: [DeliveryState.POSTED],
    DeliveryState.POSTED: [DeliveryState.IN_TRANSIT, DeliveryState.DELIVERED, DeliveryState.RETURNED],
    DeliveryState.IN_TRANSIT: [DeliveryState.DELIVERED, DeliveryState.RETURNED],
    DeliveryState.RETURNED: [DeliveryState.POSTED],
    DeliveryState.DELIVERED: [],
}


class Delivery(TimeStampedModel):
    """免费寄递 — the paper licence and the seals, posted free of charge."""

    application = models.OneToOneField(
        StartupApplication,
        verbose_name=pgettext_lazy("enterprise start-up", "application"),
        on_delete=models.CASCADE,
        related_name="delivery",
    )
    recipient = models.CharField(_("recipient"), max_length=100)
    phone = EncryptedTextField(_("recipient phone"), blank=True, default="")
    address = EncryptedTextField(_("delivery address"), blank=True, default="")
    items = models.JSONField(_("items"), default=list)
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=DeliveryState.choices, default=DeliveryState.PREPARING
    )
    history = models.JSONField(_("history"), default=list, blank=True)
    fee_payer = models.CharField(_("fee paid by"), max_length=20, default="government")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.application_id} · {self.state}"


class StepTiming(models.Model):
    """How long one department's step took, in working hours (for the zero-visit dashboard)."""

    application = models.ForeignKey(
        StartupApplication,
        verbose_name=pgettext_lazy("enterprise start-up", "application"),
        on_delete=models.CASCADE,
        related_name="timings",
    )
    task = models.OneToOneField(
        "cases.CaseTask", verbose_name=_("task"), on_delete=models.CASCADE, related_name="+"
    )
    department_code = models.CharField(_("department code"), max_length=40, db_index=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("district or county"), on_delete=models.PROTECT, related_name="+"
    )
    working_hours = models.FloatField(_("working hours"))
    breached = models.BooleanField(_("SLA breached"), default=False)
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("step timing")
        verbose_name_plural = _("step timings")

    def __str__(self) -> str:
        return f"{self.department_code}: {self.working_hours:.2f} h"


class PhysicalVisit(models.Model):
    """A visit to a hall that a clerk recorded (the target is none)."""

    application = models.ForeignKey(
        StartupApplication,
        verbose_name=pgettext_lazy("enterprise start-up", "application"),
        on_delete=models.CASCADE,
        related_name="visit_records",
    )
    at = models.DateTimeField(_("at"))
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("physical visit")
        verbose_name_plural = _("physical visits")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.application_id} · {self.at:%Y-%m-%d}"
