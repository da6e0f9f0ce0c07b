"""The chosen projects: milestones and progress reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel

from .cycle import CandidateProject, Category, Cycle


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("evaluation panels", "planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("evaluation panels", "in progress")
    COMPLETED = "completed", _("completed")
    RECTIFYING = "rectifying", _("under rectification")
    EVALUATED = "evaluated", _("evaluated")


class Grade(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASIC = "basic", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class Project(TimeStampedModel):
    """重点民生实事项目 — a key livelihood project chosen for the year."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="projects")
    candidate = models.OneToOneField(
        CandidateProject, verbose_name=_("candidate"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="project",
    )
    number = models.CharField(_("number"), max_length=20, blank=True)
    title = models.CharField(pgettext_lazy("evaluation panels", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="projects")
    lead_unit = models.ForeignKey(
        "access.Organisation", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="ep_led_projects"
    )
    co_units = models.ManyToManyField(
        "access.Organisation", verbose_name=_("co-responsible units"), blank=True, related_name="ep_co_projects"
    )
    contractors = models.ManyToManyField(
        "access.Organisation", verbose_name=_("contractors"), blank=True, related_name="ep_contracted_projects"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The district or county where the project is delivered (the city for city-wide projects)."),
    )
    budget = models.DecimalField(_("budget (10,000 yuan)"), max_digits=12, decimal_places=2, default=0)
    targets = models.TextField(_("targets"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED, db_index=True
    )
    percent_done = models.PositiveSmallIntegerField(_("percent done"), default=0)
    grade = models.CharField(pgettext_lazy("evaluation panels", "grade"), max_length=16, choices=Grade.choices, blank=True, db_index=True)
    satisfaction_rate = models.DecimalField(
        _("satisfaction rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("livelihood project")
        verbose_name_plural = _("livelihood projects")
        ordering = ["cycle", "number", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def budget_yuan(self):
        """The budget in yuan (it is kept in 万元), for the money filter."""
        return self.budget * 10000


class Milestone(models.Model):
    """序时节点 — a dated milestone of a project."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(pgettext_lazy("evaluation panels", "title"), max_length=200)
    due_on = models.DateField(_("due on"), db_index=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("overdue flagged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressSource(models.TextChoices):
    FORM = "form", _("entered on the form")
    IMPORT = "import", _("imported from a spreadsheet")
    API = "api", _("sent through the API")


class ProgressReport(models.Model):
    """进展报告 — percent done, a text and photos (attachments targeting this row)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reports")
    percent_done = models.PositiveSmallIntegerField(_("percent done"))
    text = models.TextField(_("progress"))
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    source = models.CharField(_("source"), max_length=10, choices=ProgressSource.choices, default=ProgressSource.FORM)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.percent_done}%"
