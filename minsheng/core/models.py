from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("public holiday")
    ADJUSTED_WORKDAY = "adjusted_workday", _("adjusted working day")


class HolidayDay(models.Model):
    """法定节假日与调休 — one day that differs from the Monday–Friday rule.

    A holiday (even one on a weekday) is a day off; an adjusted working day
    (调休上班, usually a weekend day) is a working day. The table is the only
    source the calendar reads: a year with no rows at all counts Monday–Friday
    and every deadline in it is provisional until an administrator adds the
    year's official arrangement.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()
