from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.identity.fields import EncryptedTextField


class Notification(models.Model):
    """站内消息 — one message to one person; the row is their inbox entry.

    Deliveries by SMS, email or WeChat hang off it; the inbox always has it,
    so every message addressed to a person can be read in the portal.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # A person without an account (an elder, a child's guardian not yet
    # registered) still gets the message; it shows once they sign up.
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    template = models.CharField(_("template"), max_length=100, db_index=True)
    title = models.CharField(pgettext_lazy("notifications", "title"), max_length=200)
    body = models.TextField(pgettext_lazy("notifications", "message"))
    context = models.JSONField(_("context"), default=dict, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["person", "read_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, gave up")
    SKIPPED = "skipped", _("skipped")


class Delivery(models.Model):
    """One channel's attempt(s) to carry a notification: SMS, email, WeChat template message."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=32)
    state = models.CharField(
        _("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    # The phone number, e-mail address or openid, encrypted at rest like identity's numbers;
    # the keyed hash finds a person's deliveries without decrypting every row.
    address = EncryptedTextField(_("address"), blank=True, default="")
    address_hash = models.CharField(_("address hash"), max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="uniq_delivery_channel")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} · {self.get_state_display()}"


class ChannelAddress(models.Model):
    """Where a user is reached on a channel that the account itself does not hold,
    e.g. the WeChat openid bound when they follow the city's official account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="channel_addresses",
    )
    channel = models.CharField(_("channel"), max_length=32)
    address = models.CharField(_("address"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel address")
        verbose_name_plural = _("channel addresses")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="uniq_channel_address")
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.address}"
