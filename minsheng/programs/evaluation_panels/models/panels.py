"""The volunteer pool, on-site evaluations and the panel seats drawn for them."""

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel

from .projects import Grade, Project
from .scoring import Rubric


class Volunteer(TimeStampedModel):
    """评议员库 — a volunteer citizen in the panel pool (real-name, via Person)."""

    person = models.OneToOneField(
        "identity.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="ep_volunteer"
    )
    number = models.CharField(_("pool number"), max_length=20, unique=True)
    district = models.ForeignKey(
        "regions.Region", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    employer = models.ForeignKey(
        "access.Organisation", verbose_name=_("employer"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    conflict_organisations = models.ManyToManyField(
        "access.Organisation", verbose_name=_("declared links to organisations"), blank=True, related_name="+",
        help_text=_("Contractors, suppliers or units the volunteer or a close relative works for or with."),
    )
    conflict_note = models.TextField(_("declared conflicts of interest"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by (panel office)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Set when the panel office enrolled the volunteer from a signed paper form."),
    )

    class Meta:
        verbose_name = _("panel volunteer")
        verbose_name_plural = _("panel volunteers")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class GradeRule(models.TextChoices):
    ZHENHAI = "zhenhai", _("majority of members present (Zhenhai rule)")


class SatisfactionFormula(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied ÷ valid scorecards")
    SATISFIED_OR_BASIC = "satisfied_or_basic", _("(satisfied + basically satisfied) ÷ valid scorecards")


class EvaluationStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("evaluation panels", "planned")
    CANDIDATES = "candidates", _("candidates published")
    DRAWN = "drawn", _("panel drawn")
    OPEN = "open", _("session open")
    GRADED = "graded", _("graded")
    NO_GRADE = "no_grade", _("no grade (quorum not met)")
    PUBLISHED = "published", _("result published")


# A session is over once it is closed (graded, or no grade) — published or not yet.
EVALUATION_CLOSED = (EvaluationStatus.GRADED, EvaluationStatus.NO_GRADE, EvaluationStatus.PUBLISHED)


class EvaluationTransition(NamedTuple):
    """A declared change of an evaluation's status: where it may leave from and where it goes."""

    action: str
    sources: tuple[str, ...]
    target: str


# Closing counts and grades the session for the panel office only; publishing is a step of its
# own, after the office has checked the count: the result goes public, the project takes the
# grade, and a rectification order is issued when one is needed.
EVALUATION_TRANSITIONS: dict[str, EvaluationTransition] = {
    t.action: t
    for t in (
        EvaluationTransition("publish", (EvaluationStatus.GRADED, EvaluationStatus.NO_GRADE), EvaluationStatus.PUBLISHED),
    )
}


class Evaluation(TimeStampedModel):
    """实地评议 — one on-site evaluation of a project by a panel drawn for it."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="evaluations")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    rectification = models.ForeignKey(
        "RectificationOrder", verbose_name=_("re-evaluation after"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="reevaluations",
    )
    rubric = models.ForeignKey(Rubric, verbose_name=_("rubric"), on_delete=models.PROTECT, related_name="+")
    panel_size = models.PositiveSmallIntegerField(_("panel size"))
    quotas = models.JSONField(_("quotas per stratum"), default=dict, blank=True)
    draw = models.OneToOneField(
        "draws.PublishedDraw", verbose_name=_("public draw"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    # stratum → public ids in draw order (filled when the seed is revealed);
    # replacements come from here, next in order within the stratum.
    draw_order = models.JSONField(_("draw order"), default=dict, blank=True, editable=False)
    excluded_count = models.PositiveIntegerField(_("excluded for conflicts"), default=0)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.PLANNED, db_index=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    grade_rule = models.CharField(_("grade rule"), max_length=16, choices=GradeRule.choices, default=GradeRule.ZHENHAI)
    quorum_fraction = models.DecimalField(
        _("quorum"), max_digits=4, decimal_places=3, default="0.500",
        help_text=_("More than this share of the panel must be present for a grade."),
    )
    satisfaction_formula = models.CharField(
        _("satisfaction formula"), max_length=20, choices=SatisfactionFormula.choices,
        default=SatisfactionFormula.SATISFIED_OR_BASIC,
    )
    rectify_below = models.DecimalField(
        _("rectification threshold"), max_digits=5, decimal_places=4, default="0.8000",
        help_text=_("A rectification order is issued when the grade is dissatisfied or the rate is below this."),
    )
    # results
    present_count = models.PositiveIntegerField(_("members present"), default=0)
    satisfied_count = models.PositiveIntegerField(_("satisfied"), default=0)
    basic_count = models.PositiveIntegerField(_("basically satisfied"), default=0)
    dissatisfied_count = models.PositiveIntegerField(_("dissatisfied"), default=0)
    recipient_counts = models.JSONField(_("service recipients' views"), default=dict, blank=True)
    grade = models.CharField(pgettext_lazy("evaluation panels", "grade"), max_length=16, choices=Grade.choices, blank=True)
    no_grade_reason = models.CharField(_("why there is no grade"), max_length=300, blank=True)
    satisfaction_rate = models.DecimalField(_("satisfaction rate"), max_digits=5, decimal_places=4, null=True, blank=True)
    criterion_scores = models.JSONField(_("average score per criterion"), default=dict, blank=True)
    weighted_score = models.DecimalField(_("weighted score"), max_digits=6, decimal_places=2, null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("on-site evaluation")
        verbose_name_plural = _("on-site evaluations")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} #{self.round}"

    @property
    def draw_key(self) -> str:
        return f"ep-evaluation-{self.pk}"


class SeatStatus(models.TextChoices):
    INVITED = "invited", _("invited")
    ACCEPTED = "accepted", pgettext_lazy("evaluation panels", "accepted")
    DECLINED = "declined", pgettext_lazy("evaluation panels", "declined")
    REPLACED = "replaced", _("replaced")


class PanelSeat(models.Model):
    """A seat on an evaluation's panel, held by a drawn volunteer."""

    evaluation = models.ForeignKey(Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="seats")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="seats")
    stratum = models.CharField(_("stratum"), max_length=40)
    position = models.PositiveIntegerField(_("position in the draw order"))
    status = models.CharField(_("status"), max_length=12, choices=SeatStatus.choices, default=SeatStatus.INVITED)
    replaces = models.OneToOneField(
        "self", verbose_name=_("replaces"), null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    has_scored = models.BooleanField(_("has scored"), default=False)

    class Meta:
        verbose_name = _("panel seat")
        verbose_name_plural = _("panel seats")
        ordering = ["stratum", "position"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "volunteer"], name="ep_one_seat_per_volunteer")
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.stratum} #{self.position}"
