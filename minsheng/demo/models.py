from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoRun(models.Model):
    """One part of the demo city (the foundation or a program) that was built.

    The marker makes ``minsheng demo`` idempotent: a part is built inside one
    transaction together with its marker, so it is either all there or absent.
    """

    part = models.CharField(_("part"), max_length=64, primary_key=True)
    seed = models.BigIntegerField(_("seed"))
    scale = models.FloatField(_("scale"))
    counts = models.JSONField(_("row counts"), default=dict)
    seconds = models.FloatField(_("seconds"), default=0)
    finished_at = models.DateTimeField(_("finished at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demo part built")
        verbose_name_plural = _("demo parts built")

    def __str__(self) -> str:
        return self.part


class DemoLogin(models.Model):
    """A sign-in printed by ``minsheng up``: who to sign in as, to see what."""

    login = models.CharField(_("username or phone"), max_length=64, unique=True)
    password = models.CharField(_("demo password"), max_length=64)
    role = models.CharField(_("role"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("demo sign-in")
        verbose_name_plural = _("demo sign-ins")
        ordering = ["order", "login"]

    def __str__(self) -> str:
        return self.login
