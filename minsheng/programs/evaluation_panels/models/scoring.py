"""Scoring: rubrics and their criteria (city-wide), anonymous scorecards, service recipients' views."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .projects import Grade


class Rubric(models.Model):
    """测评表 — the criteria and weights panel members score a project on."""

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("scoring rubric")
        verbose_name_plural = _("scoring rubrics")

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """评分项 — one weighted criterion of a rubric, scored from 0 to its highest score."""

    rubric = models.ForeignKey(Rubric, verbose_name=_("rubric"), on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Scorecard(models.Model):
    """测评表 — one member's anonymous scorecard: no seat, no time, a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey("Evaluation", on_delete=models.CASCADE, related_name="scorecards")
    overall = models.CharField(_("overall view"), max_length=16, choices=Grade.choices)
    scores = models.JSONField(_("scores per criterion"), default=dict)
    weighted_score = models.DecimalField(_("weighted score"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return str(self.id)

class RecipientView(models.Model):
    """A service recipient met on site (counted separately from the panel)."""

    evaluation = models.ForeignKey("Evaluation", on_delete=models.CASCADE, related_name="recipient_views")
    overall = models.CharField(_("overall view"), max_length=16, choices=Grade.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service recipient's view")
        verbose_name_plural = _("service recipients' views")

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.overall}"
