"""Home safety: age-friendly retrofits (一户一档) and networked gas / smoke alarms."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel
from minsheng.identity.fields import EncryptedTextField

from ..catalogue import RETROFIT_ITEM_CHOICES


class RetrofitStatus(models.TextChoices):
    ASSESSING = "assessing", _("assessment")
    PROPOSED = "proposed", _("items proposed")
    APPROVED = "approved", _("approved")
    WORKS = "works", _("works under way")
    ACCEPTED = "accepted", _("accepted")
    SUBSIDISED = "subsidised", _("subsidy paid")
    REJECTED = "rejected", _("rejected")


class RetrofitFile(TimeStampedModel):
    """适老化改造 一户一档 — one file per household."""

    elder = models.ForeignKey(
        "elderly_care.Elder",
        verbose_name=_("elder"),
        on_delete=models.PROTECT,
        related_name="retrofits",
    )
    household = models.CharField(_("household number"), max_length=40, unique=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    contractor = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RetrofitStatus.choices,
        default=RetrofitStatus.ASSESSING,
    )
    assessment = models.TextField(_("home assessment"), blank=True)
    subsidy = models.DecimalField(_("subsidy (yuan)"), max_digits=9, decimal_places=2, default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    subsidy_paid_at = models.DateTimeField(_("subsidy paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("retrofit file")
        verbose_name_plural = _("retrofit files")


class RetrofitItem(models.Model):
    file = models.ForeignKey(
        RetrofitFile, verbose_name=_("file"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("item"), max_length=20, choices=RETROFIT_ITEM_CHOICES)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=9, decimal_places=2)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        verbose_name = _("retrofit item")
        verbose_name_plural = _("retrofit items")
        constraints = [models.UniqueConstraint(fields=["file", "code"], name="ec_retrofit_item")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class RetrofitPhoto(TimeStampedModel):
    file = models.ForeignKey(
        RetrofitFile, verbose_name=_("file"), on_delete=models.CASCADE, related_name="photos"
    )
    item = models.ForeignKey(
        RetrofitItem,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    phase = models.CharField(
        _("phase"), max_length=8, choices=[("before", _("before")), ("after", _("after"))]
    )
    attachment = models.ForeignKey(
        "attachments.Attachment",
        verbose_name=_("file"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("retrofit photo")
        verbose_name_plural = _("retrofit photos")


class DeviceVendor(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    secret = EncryptedTextField(_("signing secret"), blank=True, default="")

    class Meta:
        verbose_name = _("device vendor")
        verbose_name_plural = _("device vendors")

    def __str__(self) -> str:
        return self.name


class DeviceKind(models.TextChoices):
    GAS = "gas", _("gas alarm")
    SMOKE = "smoke", _("smoke alarm")
    SOS = "sos", _("emergency call button")


class AlarmDevice(TimeStampedModel):
    """A networked alarm in an elder's home. ``imei`` is how messages name it."""

    kind = models.CharField(_("type"), max_length=8, choices=DeviceKind.choices)
    imei = models.CharField(_("serial / IMEI"), max_length=40, unique=True)
    vendor = models.ForeignKey(
        DeviceVendor, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="devices"
    )
    secret = EncryptedTextField(_("device secret"), blank=True, default="")
    elder = models.ForeignKey(
        "elderly_care.Elder",
        verbose_name=_("elder"),
        on_delete=models.PROTECT,
        related_name="devices",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    installed_on = models.DateField(_("installed on"))
    install_photo = models.ForeignKey(
        "attachments.Attachment",
        verbose_name=_("installation photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_seen_at = models.DateTimeField(_("last heard from"), null=True, blank=True)
    is_offline = models.BooleanField(_("offline"), default=False, db_index=True)
    offline_since = models.DateTimeField(_("offline since"), null=True, blank=True)
    # A retired device is kept (its alarms and messages point at it) but is heard no more.
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    retired_reason = models.CharField(_("reason for retiring"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("alarm device")
        verbose_name_plural = _("alarm devices")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.imei}"


class DeviceMessage(models.Model):
    """Every message a device sent, once: (device, message id) is unique, so repeats are harmless."""

    device = models.ForeignKey(
        AlarmDevice, verbose_name=_("device"), on_delete=models.CASCADE, related_name="messages"
    )
    message_id = models.CharField(_("message id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10)
    event_at = models.DateTimeField(_("event time"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    via = models.CharField(_("received by"), max_length=8)
    payload = models.JSONField(_("payload"), default=dict)

    class Meta:
        verbose_name = _("device message")
        verbose_name_plural = _("device messages")
        constraints = [
            models.UniqueConstraint(fields=["device", "message_id"], name="ec_device_message_once")
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class AlarmStatus(models.TextChoices):
    OPEN = "open", _("raised, nobody has responded")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CLOSED = "closed", _("closed")


class AlarmEvent(TimeStampedModel):
    device = models.ForeignKey(
        AlarmDevice, verbose_name=_("device"), on_delete=models.PROTECT, related_name="alarms"
    )
    elder = models.ForeignKey(
        "elderly_care.Elder", verbose_name=_("elder"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised at (device time)"), db_index=True)
    detail = models.CharField(pgettext_lazy("elderly care", "detail"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AlarmStatus.choices,
        default=AlarmStatus.OPEN,
        db_index=True,
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    cleared_by_device_at = models.DateTimeField(
        _("cleared by the device at"), null=True, blank=True
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")


class AlarmNotice(models.Model):
    """Who was told about an alarm, at which escalation level (response-time evidence)."""

    alarm = models.ForeignKey(
        AlarmEvent, verbose_name=_("alarm"), on_delete=models.CASCADE, related_name="notices"
    )
    level = models.PositiveSmallIntegerField(_("escalation level"))
    audience = models.CharField(_("audience"), max_length=12)
    person = models.ForeignKey(
        "identity.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("alarm notice")
        verbose_name_plural = _("alarm notices")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
