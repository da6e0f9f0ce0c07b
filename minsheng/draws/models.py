from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.identity.fields import EncryptedTextField


class DrawState(models.TextChoices):
    COMMITTED = "committed", _("seed hash published")
    CANDIDATES = "candidates", _("candidates published")
    DRAWN = "drawn", _("drawn")


class PublishedDraw(models.Model):
    """公开随机抽签 — a publicly verifiable random draw.

    The SHA-256 of the seed is published first; then the candidate list (and
    its hash); then the seed is revealed and the candidates are ordered by
    SHA-256(seed ":" public id). Anyone can re-run it (docs/draws.md).
    """

    key = models.SlugField(_("key"), max_length=100, unique=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    state = models.CharField(
        _("state"), max_length=16, choices=DrawState.choices, default=DrawState.COMMITTED
    )
    seed_hash = models.CharField(_("seed hash (SHA-256)"), max_length=64)
    # Kept encrypted until the reveal so the operator need not carry it around;
    # never shown before then.
    sealed_seed = EncryptedTextField(blank=True, default="", editable=False)
    seed = models.CharField(_("revealed seed"), max_length=200, blank=True)
    candidates_text = models.TextField(_("canonical candidate list"), blank=True, editable=False)
    candidates_hash = models.CharField(_("candidate list hash (SHA-256)"), max_length=64, blank=True)
    candidate_count = models.PositiveIntegerField(_("number of candidates"), default=0)
    stratified = models.BooleanField(_("stratified"), default=False)
    quotas = models.JSONField(_("quotas per stratum"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("seed hash published at"), null=True, blank=True)
    candidates_published_at = models.DateTimeField(
        _("candidates published at"), null=True, blank=True
    )
    revealed_at = models.DateTimeField(_("seed revealed at"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("published draw")
        verbose_name_plural = _("published draws")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key} · {self.purpose}"
