"""The yearly cycle: 征集 ideas and their support, candidate projects, the anonymous delegate vote."""

import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.models import TimeStampedModel


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
    vote_on = models.DateField(_("delegate vote on"), null=True, blank=True)
    evaluations_from = models.DateField(_("on-site evaluations from"), null=True, blank=True)
    evaluations_until = models.DateField(_("on-site evaluations until"), null=True, blank=True)

    class Meta:
        verbose_name = _("yearly cycle")
        verbose_name_plural = _("yearly cycles")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class CycleTransition(NamedTuple):
    """A declared change of a cycle's phase: the phases it leaves from and the one it enters."""

    action: str
    sources: tuple[str, ...]
    target: str


# The phases a cycle moves through. "vote" and "decide" are taken by the vote's services
# (vote_open, vote_publish); the others by the organiser on the cycle's page (cycle_advance).
CYCLE_TRANSITIONS: dict[str, CycleTransition] = {
    t.action: t
    for t in (
        CycleTransition("screen", (CycleStatus.SOLICITING,), CycleStatus.SCREENING),
        CycleTransition("reopen_ideas", (CycleStatus.SCREENING,), CycleStatus.SOLICITING),
        CycleTransition("vote", (CycleStatus.SOLICITING, CycleStatus.SCREENING, CycleStatus.VOTING, CycleStatus.DECIDED),
                        CycleStatus.VOTING),
        CycleTransition("decide", (CycleStatus.VOTING,), CycleStatus.DECIDED),
        CycleTransition("close", (CycleStatus.DECIDED,), CycleStatus.CLOSED),
    )
}
# What the organiser may do by hand, in the order the page offers it.
CYCLE_MANUAL_ACTIONS = ("screen", "reopen_ideas", "close")


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

    @property
    def budget_yuan(self):
        """The estimate in yuan (it is kept in 万元), for the money filter."""
        return self.budget * 10000


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
