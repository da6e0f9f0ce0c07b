"""The yearly cycle: ideas, supports, screening, candidates, the delegate vote and its result."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from ..models import (
    Ballot,
    CandidateProject,
    Cycle,
    CycleStatus,
    Delegate,
    DelegateVote,
    Idea,
    IdeaSource,
    IdeaStatus,
    IdeaSupport,
    VoteStatus,
)
from . import grading
from .setup import cycle_transition


def _person_of(user):
    from minsheng.identity.models import Person

    try:
        return user.person
    except (Person.DoesNotExist, AttributeError):
        raise NotAllowed(
            _("Only people with verified real-name details can do this. Complete your real-name details first.")
        ) from None


def idea_submit(
    *, cycle: Cycle, title: str, description: str, source: str = IdeaSource.PUBLIC,
    user=None, organisation=None, category=None,
) -> Idea:
    """Submit an idea for the year (the public online, or a department/town with ``organisation``)."""
    if cycle.status != CycleStatus.SOLICITING:
        raise Conflict(_("Ideas for this year are no longer being collected."))
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the idea a short title.")]
    elif len(title.strip()) > 200:
        errors["title"] = [_("The title is too long. Keep it under 200 characters.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe what should be done and for whom.")]
    if source in (IdeaSource.DEPARTMENT, IdeaSource.TOWN) and organisation is None:
        errors["organisation"] = [_("Name the department or town office proposing the idea.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        idea = Idea.objects.create(
            cycle=cycle, title=title.strip(), description=description.strip(), source=source,
            submitted_by=user if getattr(user, "pk", None) else None, organisation=organisation,
            category=category,
        )
        audit_record(event_type="evaluation_panels.idea_submit", actor=user, target=idea)
    return idea


def idea_support(*, idea: Idea, user) -> Idea:
    """Support an idea: one support per real-name person; a second support is refused."""
    person = _person_of(user)
    if idea.cycle.status != CycleStatus.SOLICITING:
        raise Conflict(_("Ideas for this year are no longer being collected, so they cannot be supported."))
    if idea.status == IdeaStatus.REJECTED:
        raise Conflict(_("This idea was not accepted and can no longer be supported."))
    try:
        with transaction.atomic():
            IdeaSupport.objects.create(idea=idea, person=person)
            Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        raise Conflict(_("You have already supported this idea. Each person can support an idea once."), code="duplicate") from None
    idea.refresh_from_db(fields=["support_count"])
    return idea


def idea_screen(*, idea: Idea, accept: bool, reason: str, actor, lead_unit=None, budget=None) -> Idea:
    """Accept an idea as a candidate project or reject it — always with a reason."""
    if not (reason or "").strip():
        raise ValidationFailed.for_field("reason", _("Give the reason for the decision; it is published with the idea."))
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        if idea.status != IdeaStatus.SUBMITTED:
            raise Conflict(_("This idea has already been screened."), code="state_changed")
        idea.status = IdeaStatus.ACCEPTED if accept else IdeaStatus.REJECTED
        idea.screening_reason = reason.strip()
        idea.screened_at = timezone.now()
        idea.save(update_fields=["status", "screening_reason", "screened_at", "updated_at"])
        if accept:
            CandidateProject.objects.create(
                cycle=idea.cycle, idea=idea, title=idea.title, description=idea.description,
                category=idea.category, lead_unit=lead_unit, budget=budget or 0,
                order=idea.cycle.candidates.count() + 1,
            )
        audit_record(
            event_type="evaluation_panels.idea_screen", actor=actor, target=idea,
            new={"status": idea.status, "reason": idea.screening_reason},
        )
    return idea


def vote_open(
    *, cycle: Cycle, candidates: list[CandidateProject], delegates: list, places: int | None = None,
    actor, title: str = "", closes_at=None, round: int = 1,
) -> DelegateVote:
    """Open a 差额 vote: more candidates than places; ``delegates`` are the Users entitled to vote."""
    places = places if places is not None else cycle.places
    errors = {}
    if places < 1:
        errors["places"] = [_("At least one place must be voted on.")]
    if len(candidates) <= places:
        errors["candidates"] = [
            _("A competitive vote needs more candidates than places: %(n)s candidates for %(p)s places. Add candidates or reduce the places.")
            % {"n": len(candidates), "p": places}
        ]
    if not delegates:
        errors["delegates"] = [_("Add the delegates entitled to vote.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        if DelegateVote.objects.filter(cycle=cycle, round=round).exists():
            raise Conflict(_("A vote for this round already exists."))
        vote = DelegateVote.objects.create(
            cycle=cycle, round=round, places=places, closes_at=closes_at,
            title=title or (_("%(year)s delegate vote") % {"year": cycle.year}
                            if round == 1 else _("%(year)s run-off vote") % {"year": cycle.year}),
        )
        vote.candidates.set(candidates)
        Delegate.objects.bulk_create([Delegate(vote=vote, user=u) for u in dict.fromkeys(delegates)])
        cycle_transition(cycle=cycle, action="vote", actor=actor)
        audit_record(
            event_type="evaluation_panels.vote_open", actor=actor, target=vote,
            new={"places": places, "candidates": len(candidates), "delegates": len(delegates)},
        )
    return vote


def ballot_cast(*, vote: DelegateVote, user, candidate_ids: list[int]) -> None:
    """Cast one anonymous ballot choosing 1..places candidates.

    The register row is marked under a row lock in the same transaction as the
    ballot is written; the ballot keeps neither the voter nor the time.
    """
    choice = list(dict.fromkeys(int(c) for c in candidate_ids))
    with transaction.atomic():
        vote = DelegateVote.objects.select_for_update().get(pk=vote.pk)
        if vote.status != VoteStatus.OPEN or (vote.closes_at and timezone.now() > vote.closes_at):
            raise Conflict(_("This vote is closed. Ballots are no longer accepted."), code="state_changed")
        entry = Delegate.objects.select_for_update().filter(vote=vote, user=user).first()
        if entry is None:
            raise NotAllowed(_("You are not on the list of delegates for this vote."))
        if entry.has_voted:
            raise Conflict(_("You have already voted. Each delegate casts one ballot."), code="duplicate")
        if not choice:
            raise ValidationFailed.for_field("candidates", _("Choose at least one candidate project."))
        if len(choice) > vote.places:
            raise ValidationFailed.for_field(
                "candidates",
                _("You chose %(n)s projects but only %(p)s can be chosen. Remove some and vote again.")
                % {"n": len(choice), "p": vote.places},
            )
        valid = set(vote.candidates.values_list("id", flat=True))
        if not set(choice) <= valid:
            raise ValidationFailed.for_field("candidates", _("Choose only among the candidates on this ballot."))
        Ballot.objects.create(vote=vote, choices=sorted(choice))
        entry.has_voted = True
        entry.save(update_fields=["has_voted"])
        DelegateVote.objects.filter(pk=vote.pk).update(ballots_cast=F("ballots_cast") + 1)
        # The audit says that this user voted, never which ballot is theirs.
        audit_record(event_type="evaluation_panels.ballot_cast", actor=user, target=vote)


def vote_tally(*, vote: DelegateVote, actor) -> DelegateVote:
    """Close the vote and count: top ``places`` elected; a tie at the cut line goes to a run-off."""
    with transaction.atomic():
        vote = DelegateVote.objects.select_for_update().get(pk=vote.pk)
        if vote.status != VoteStatus.OPEN:
            raise Conflict(_("This vote has already been counted."), code="state_changed")
        counts = dict.fromkeys(vote.candidates.values_list("id", flat=True), 0)
        choices = list(Ballot.objects.filter(vote=vote).values_list("choices", flat=True))
        for chosen in choices:
            for cid in chosen:
                counts[cid] = counts.get(cid, 0) + 1
        # Rewrite the ballots in a random order with new ids: the storage order
        # no longer follows the order in which delegates voted.
        secrets.SystemRandom().shuffle(choices)
        Ballot.objects.filter(vote=vote).delete()
        Ballot.objects.bulk_create([Ballot(vote=vote, choices=c) for c in choices])
        elected, tied = grading.rank_candidates(counts, vote.places)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        vote.result = [
            {"candidate": cid, "votes": n, "rank": i + 1, "elected": cid in elected, "tied": cid in tied}
            for i, (cid, n) in enumerate(ordered)
        ]
        vote.status = VoteStatus.TALLIED
        vote.tallied_at = timezone.now()
        vote.save(update_fields=["result", "status", "tallied_at", "updated_at"])
        audit_record(event_type="evaluation_panels.vote_tally", actor=actor, target=vote, new={"result": vote.result})
    return vote


def vote_publish(*, vote: DelegateVote, actor) -> DelegateVote:
    """Publish a counted result. Elected candidates of every round become the year's projects
    once no tie is left (projects are then created with ``project_create_from_candidate``)."""
    with transaction.atomic():
        vote = DelegateVote.objects.select_for_update().get(pk=vote.pk)
        if vote.status != VoteStatus.TALLIED:
            raise Conflict(_("Count the ballots before publishing the result."), code="state_changed")
        vote.status = VoteStatus.PUBLISHED
        vote.published_at = timezone.now()
        vote.save(update_fields=["status", "published_at", "updated_at"])
        if not any(r["tied"] for r in vote.result):
            cycle_transition(cycle=vote.cycle, action="decide", actor=actor)
        audit_record(event_type="evaluation_panels.vote_publish", actor=actor, target=vote)
    return vote


def vote_runoff_open(*, vote: DelegateVote, actor, delegates: list | None = None) -> DelegateVote:
    """Open the run-off among the candidates tied at the cut line, for the places left."""
    if vote.status == VoteStatus.OPEN:
        raise Conflict(_("Count the ballots before opening a run-off."), code="state_changed")
    tied = [r["candidate"] for r in vote.result if r["tied"]]
    if not tied:
        raise Conflict(_("There is no tie at the cut line, so no run-off is needed."))
    elected = sum(1 for r in vote.result if r["elected"])
    delegates = delegates if delegates is not None else [d.user for d in vote.delegates.select_related("user")]
    return vote_open(
        cycle=vote.cycle, candidates=list(CandidateProject.objects.filter(pk__in=tied)),
        delegates=delegates, places=vote.places - elected, actor=actor, round=vote.round + 1,
    )


def elected_candidates(*, cycle: Cycle) -> list[CandidateProject]:
    """Candidates elected in any published round of the cycle's vote."""
    ids = [
        r["candidate"]
        for v in cycle.votes.filter(status=VoteStatus.PUBLISHED)
        for r in v.result
        if r["elected"]
    ]
    return list(CandidateProject.objects.filter(pk__in=ids).order_by("order", "id"))
