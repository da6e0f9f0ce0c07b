"""整改 — rectification orders issued after an evaluation falls below the threshold."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel

from .panels import Evaluation
from .projects import Project


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("awaiting the rectification report")
    REPORTED = "reported", _("report submitted")
    REEVALUATING = "reevaluating", _("being re-evaluated")
    CLOSED = "closed", pgettext_lazy("evaluation panels", "closed")


class RectificationOrder(TimeStampedModel):
    """整改通知 — issued to the lead unit when an evaluation falls below the threshold."""

    evaluation = models.OneToOneField(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.PROTECT, related_name="rectification_order"
    )
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="rectifications")
    lead_unit = models.ForeignKey("access.Organisation", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("reasons collected"))
    status = models.CharField(
        _("status"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN, db_index=True
    )
    deadline_at = models.DateTimeField(_("report due"))
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    report = models.TextField(_("rectification report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    returned_reason = models.TextField(
        _("why the report was sent back"), blank=True,
        help_text=_("The panel office's reason when it sent the last report back to the lead unit."),
    )
    returned_at = models.DateTimeField(_("report sent back at"), null=True, blank=True)
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="rectification_order",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["deadline_at"]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_status_display()}"
