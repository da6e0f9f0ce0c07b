"""Daily running: sessions, attendance and pick-up."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .offerings import Offering
from .school import Teacher


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Session(models.Model):
    """One day on which an offering is held, led by a teacher."""

    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=SessionState.choices, default=SessionState.SCHEDULED
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "offering_id"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "date"], name="as_uniq_session"),
        ]

    def __str__(self) -> str:
        return f"{self.offering} {self.date}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("present")
    ABSENT = "absent", _("absent")
    LEAVE = "leave", _("on leave")


class Attendance(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    student = models.ForeignKey(
        "identity.Person", verbose_name=_("student"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=AttendanceStatus.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="as_uniq_attendance"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.student_id}:{self.status}"


class PickUp(models.Model):
    """接送 — who collected the child, when; late when after the session's end plus a grace period."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="pickups"
    )
    student = models.ForeignKey(
        "identity.Person", verbose_name=_("student"), on_delete=models.CASCADE, related_name="+"
    )
    collected_by = models.ForeignKey(
        "identity.Person", verbose_name=_("collected by"), on_delete=models.PROTECT, related_name="+"
    )
    collected_at = models.DateTimeField(_("collected at"))
    late = models.BooleanField(_("late"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pick-up")
        verbose_name_plural = _("pick-ups")
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="as_uniq_pickup"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.student_id}"
