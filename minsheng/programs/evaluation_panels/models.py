"""群众评议团 — citizens' evaluation panels for key livelihood projects (重点民生实事项目).

The yearly cycle (ideas → screening → candidates → delegate vote), the
projects that were chosen (milestones, progress), the volunteer pool and the
panels drawn from it, on-site evaluation sessions with scorecards, results and
rectification orders (整改). See README.md in this folder.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel


# --- the yearly cycle ------------------------------------------------------
class CycleStatus(models.TextChoices):
    SOLICITING = "soliciting", _("collecting ideas")
    SCREENING = "screening", _("screening")
    VOTING = "voting", _("delegate vote")
    DECIDED = "decided", _("projects decided")
    CLOSED = "closed", pgettext_lazy("evaluation panels", "closed")


class Cycle(TimeStampedModel):
    """民生实事项目年度周期 — one year's cycle from solicitation to rating."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(pgettext_lazy("evaluation panels", "title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=CycleStatus.choices, default=CycleStatus.SOLICITING
    )
    places = models.PositiveSmallIntegerField(
        _("number of projects to choose"), default=10,
        help_text=_("How many projects the delegate vote chooses (差额: fewer than the candidates)."),
    )
    ideas_open_until = models.DateField(_("ideas accepted until"), null=True, blank=True)

    class Meta:
        verbose_name = _("yearly cycle")
        verbose_name_plural = _("yearly cycles")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class Category(models.Model):
    """项目类别 — e.g. 教育, 医疗卫生, 交通出行."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("project category")
        verbose_name_plural = _("project categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class IdeaSource(models.TextChoices):
    PUBLIC = "public", _("the public (online)")
    DEPARTMENT = "department", _("a department")
    TOWN = "town", _("a town or street")
    DELEGATE = "delegate", _("a deputy or CPPCC member")


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting screening")
    ACCEPTED = "accepted", _("accepted as a candidate")
    REJECTED = "rejected", _("not accepted")


class Idea(TimeStampedModel):
    """项目建议 — an idea for a livelihood project, from the public or a department."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(pgettext_lazy("evaluation panels", "title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=IdeaSource.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("proposing organisation"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED, db_index=True
    )
    screening_reason = models.TextField(_("screening reason"), blank=True)
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    support_count = models.PositiveIntegerField(_("supporters"), default=0)

    class Meta:
        verbose_name = _("project idea")
        verbose_name_plural = _("project ideas")
        ordering = ["-support_count", "id"]

    def __str__(self) -> str:
        return self.title


class IdeaSupport(models.Model):
    """One person's support of an idea (one per person)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    person = models.ForeignKey("identity.Person", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support of an idea")
        verbose_name_plural = _("supports of ideas")
        constraints = [models.UniqueConstraint(fields=["idea", "person"], name="ep_one_support_per_person")]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.idea_id}"

class CandidateProject(TimeStampedModel):
    """候选项目 — a screened idea put to the delegate vote."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="candidates")
    idea = models.OneToOneField(
        Idea, verbose_name=_("idea"), null=True, blank=True, on_delete=models.SET_NULL, related_name="candidate"
    )
    title = models.CharField(pgettext_lazy("evaluation panels", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "access.Organisation", verbose_name=_("proposed lead unit"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    budget = models.DecimalField(_("estimated budget (10,000 yuan)"), max_digits=12, decimal_places=2, default=0)
    order = models.PositiveSmallIntegerField(_("ballot order"), default=0)

    class Meta:
        verbose_name = _("candidate project")
        verbose_name_plural = _("candidate projects")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class VoteStatus(models.TextChoices):
    OPEN = "open", _("open for voting")
    TALLIED = "tallied", _("counted")
    PUBLISHED = "published", _("result published")


class DelegateVote(TimeStampedModel):
    """代表票决 — an anonymous electronic 差额 vote of the delegates on the candidates.

    Ballots carry no voter, no time and a random id; the register of who has
    voted (Delegate.has_voted) carries no reference to a ballot, so the two
    cannot be joined (docs/adr/0013-evaluation-panels.md).
    """

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="votes")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    title = models.CharField(pgettext_lazy("evaluation panels", "title"), max_length=200)
    places = models.PositiveSmallIntegerField(_("places"))
    candidates = models.ManyToManyField(CandidateProject, verbose_name=_("candidates"), related_name="votes")
    status = models.CharField(_("status"), max_length=16, choices=VoteStatus.choices, default=VoteStatus.OPEN)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    tallied_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # [{"candidate": id, "votes": n, "rank": r, "elected": bool, "tied": bool}]
    result = models.JSONField(_("result"), default=list, blank=True)
    ballots_cast = models.PositiveIntegerField(_("ballots cast"), default=0)

    class Meta:
        verbose_name = _("delegate vote")
        verbose_name_plural = _("delegate votes")
        ordering = ["cycle", "round"]
        constraints = [models.UniqueConstraint(fields=["cycle", "round"], name="ep_one_vote_per_round")]

    def __str__(self) -> str:
        return self.title


class Delegate(models.Model):
    """代表 — a delegate entitled to vote in one vote, and whether they have voted."""

    vote = models.ForeignKey(DelegateVote, on_delete=models.CASCADE, related_name="delegates")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    has_voted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        constraints = [models.UniqueConstraint(fields=["vote", "user"], name="ep_one_delegate_entry")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.vote_id}"

class Ballot(models.Model):
    """一张选票 — anonymous: a random id, no voter, no timestamp.

    The choices are kept on the row (no join table with sequential ids), and
    the count rewrites the ballots in a shuffled order, so not even insertion
    order survives the close of the vote.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(DelegateVote, on_delete=models.CASCADE, related_name="ballots")
    choices = models.JSONField(_("chosen candidates"), default=list)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return str(self.id)

# --- projects ----------------------------------------------------------------
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

# --- the volunteer pool --------------------------------------------------------
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

    class Meta:
        verbose_name = _("panel volunteer")
        verbose_name_plural = _("panel volunteers")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


# --- evaluations -----------------------------------------------------------------
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

class Scorecard(models.Model):
    """测评表 — one member's anonymous scorecard: no seat, no time, a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scorecards")
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

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="recipient_views")
    overall = models.CharField(_("overall view"), max_length=16, choices=Grade.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service recipient's view")
        verbose_name_plural = _("service recipients' views")

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.overall}"

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
