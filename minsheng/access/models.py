from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel


class OrganisationKind(models.TextChoices):
    DEPARTMENT = "department", _("government department")
    STREET_OFFICE = "street", _("street / town office")
    COMMUNITY = "community", _("community / village committee")
    SCHOOL = "school", _("school")
    PROVIDER = "provider", _("service provider")
    SERVICE_POINT = "service_point", _("service point")
    COMPANY = "company", _("company")
    BANK = "bank", _("bank")
    OTHER = "other", _("other")


class Organisation(TimeStampedModel):
    """A department (民政局, 教育局 …), school, provider, service point or company.

    ``region`` is where it sits; ``parent`` links e.g. a district bureau to the
    city bureau. ``department_code`` groups the same department across levels
    (every 民政局 has ``civil_affairs``), which is what processes route to.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganisationKind.choices, db_index=True
    )
    department_code = models.CharField(
        _("department code"), max_length=40, blank=True, db_index=True
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    # Office hours for working-hour deadlines, e.g. {"am": ["08:30","12:00"], "pm": ["13:30","17:30"]}.
    office_hours = models.JSONField(_("office hours"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A role a user holds, e.g. ``window_clerk``, ``civil_affairs_officer``.

    Roles are declared in code (core roles here, program roles in the
    registry) and synced into this table; ``permissions`` lists what the role
    may do in the form ``app.action`` (``identity.unmask``).
    """

    code = models.CharField(_("code"), max_length=64, primary_key=True)
    title = models.CharField(_("title"), max_length=100)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    is_staff_role = models.BooleanField(_("staff role"), default=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.title


class RoleAssignment(TimeStampedModel):
    """(role, organisation, region subtree) held by a user: what they may do, for whom, where."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="assignments"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region scope"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation", "region"], name="uniq_role_assignment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.organisation} · {self.region}"
