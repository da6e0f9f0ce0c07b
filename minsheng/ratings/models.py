from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class RatingLevel(models.IntegerChoices):
    """GB/T 39734 政务服务评价: five levels, 5 best."""

    VERY_SATISFIED = 5, _("very satisfied")
    SATISFIED = 4, _("satisfied")
    BASICALLY_SATISFIED = 3, _("basically satisfied")
    DISSATISFIED = 2, _("dissatisfied")
    VERY_DISSATISFIED = 1, _("very dissatisfied")


BAD_LEVELS = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class Rating(models.Model):
    """好差评 — one citizen's rating of one finished service ("一次一评")."""

    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("rated item type"), on_delete=models.PROTECT
    )
    target_id = models.CharField(_("rated item"), max_length=64)
    organisation = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    service_key = models.CharField(_("service"), max_length=64, db_index=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    follow_up = models.OneToOneField(
        "cases.Case",
        verbose_name=_("follow-up case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rating_followed_up",
    )
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rater", "target_type", "target_id"], name="uniq_rating_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.service_key}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS
