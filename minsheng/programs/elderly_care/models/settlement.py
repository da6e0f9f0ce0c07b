"""Monthly settlement per provider and the daily rollup behind the dashboards."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("computed, awaiting the provider")
    CONFIRMED = "confirmed", _("confirmed by the provider")
    APPROVED = "approved", _("approved by civil affairs")
    DISPUTED = "disputed", _("disputed by the provider")


class SettlementStatement(TimeStampedModel):
    """月度结算单 — one provider, one month. Each verified visit belongs to at most one."""

    provider = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=StatementStatus.choices,
        default=StatementStatus.DRAFT,
    )
    visits = models.PositiveIntegerField(_("verified visits"), default=0)
    gross = models.DecimalField(_("gross amount"), max_digits=12, decimal_places=2, default=0)
    deducted_visits = models.PositiveIntegerField(_("deducted visits"), default=0)
    deductions = models.DecimalField(_("deductions"), max_digits=12, decimal_places=2, default=0)
    net = models.DecimalField(_("amount payable"), max_digits=12, decimal_places=2, default=0)
    lines = models.JSONField(_("lines by service"), default=list, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("elderly care", "confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("settlement statement")
        verbose_name_plural = _("settlement statements")
        ordering = ["-month", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="ec_one_statement_a_month")
        ]


class DailyRollup(models.Model):
    """Visits, hours, spend and anomalies per day × district × provider (dashboards read this)."""

    day = models.DateField(_("day"))
    district = models.ForeignKey(
        "regions.Region", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    visits = models.PositiveIntegerField(_("visits"), default=0)
    verified = models.PositiveIntegerField(_("verified visits"), default=0)
    minutes = models.PositiveBigIntegerField(_("minutes served"), default=0)
    spend = models.DecimalField(_("spend (yuan)"), max_digits=14, decimal_places=2, default=0)
    anomalies = models.PositiveIntegerField(_("anomalies"), default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(fields=["day", "district", "provider"], name="ec_rollup_key")
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
