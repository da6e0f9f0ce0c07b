"""Writes for public draws: commit a seed hash, publish candidates, reveal and run."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from . import algorithm
from .algorithm import draw_order, draw_stratified  # noqa: F401 - re-exported for callers
from .models import DrawState, PublishedDraw


def draw_commit(
    *, purpose: str, key: str, seed: str | None = None, actor=None
) -> tuple[PublishedDraw, str]:
    """Publish SHA-256(seed) for a new draw and return (draw, seed).

    A 256-bit seed is generated when none is given. Only the hash is shown
    until draw_reveal_and_run; the seed is also kept sealed (encrypted).
    """
    if PublishedDraw.objects.filter(key=key).exists():
        raise Conflict(_("A draw with this key already exists. Choose another key."))
    if seed is not None and not seed:
        raise ValidationFailed.for_field("seed", _("The seed must not be empty."))
    seed = seed if seed is not None else algorithm.new_seed()
    now = timezone.now()
    with transaction.atomic():
        draw = PublishedDraw.objects.create(
            key=key,
            purpose=purpose,
            seed_hash=algorithm.sha256_hex(seed),
            sealed_seed=seed,
            committed_at=now,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            event_type="draws.commit", actor=actor, target=draw, new={"seed_hash": draw.seed_hash}
        )
    return draw, seed


def _check_ids(ids) -> None:
    bad = [pid for pid in ids if not isinstance(pid, str) or not algorithm.check_public_id(pid)]
    if bad:
        raise ValidationFailed.for_field(
            "public_ids",
            _(
                "Public ids must be non-empty and contain no tabs, line breaks or surrounding "
                "spaces. Correct %(example)r and publish again."
            )
            % {"example": bad[0]},
        )


def draw_publish_candidates(
    *,
    draw: PublishedDraw,
    public_ids: list[str] | None = None,
    strata: dict[str, list[str]] | None = None,
    quotas: dict[str, int] | None = None,
    actor=None,
) -> PublishedDraw:
    """Fix the candidate list (plain, or by stratum with quotas) before the seed is revealed."""
    if (public_ids is None) == (strata is None):
        raise ValidationFailed.for_field(
            "public_ids", _("Give either a list of candidates or candidates by stratum.")
        )
    with transaction.atomic():
        draw = PublishedDraw.objects.select_for_update().get(pk=draw.pk)
        if draw.state != DrawState.COMMITTED:
            raise Conflict(
                _("The candidates of this draw are already published and cannot change.")
            )
        if strata is not None:
            all_ids = [pid for ids in strata.values() for pid in ids]
            _check_ids(all_ids)
            bad_strata = [s for s in strata if not algorithm.check_public_id(s)]
            if bad_strata:
                raise ValidationFailed.for_field(
                    "strata", _("Stratum names must be non-empty and contain no tabs or line breaks.")
                )
            quotas = {str(k): int(v) for k, v in (quotas or {}).items()}
            if any(v < 0 for v in quotas.values()):
                raise ValidationFailed.for_field("quotas", _("Quotas cannot be negative."))
            text = algorithm.canonical_strata(strata)
        else:
            all_ids = list(public_ids)
            _check_ids(all_ids)
            quotas = {}
            text = algorithm.canonical_candidates(all_ids)
        if len(set(all_ids)) != len(all_ids):
            raise ValidationFailed.for_field(
                "public_ids",
                _("Each candidate may appear only once. Remove the duplicates and publish again."),
            )
        draw.candidates_text = text
        draw.candidates_hash = algorithm.sha256_hex(text)
        draw.candidate_count = len(all_ids)
        draw.stratified = strata is not None
        draw.quotas = quotas
        draw.state = DrawState.CANDIDATES
        draw.candidates_published_at = timezone.now()
        draw.save(
            update_fields=[
                "candidates_text", "candidates_hash", "candidate_count", "stratified",
                "quotas", "state", "candidates_published_at",
            ]
        )
        audit_record(
            event_type="draws.candidates",
            actor=actor,
            target=draw,
            new={"candidates_hash": draw.candidates_hash, "count": draw.candidate_count},
        )
    return draw


def draw_compute(*, draw: PublishedDraw, seed: str):
    """Re-run a draw from its published inputs (no writes)."""
    ids, strata = algorithm.parse_canonical(draw.candidates_text)
    if draw.stratified:
        return draw_stratified(seed, strata or {}, draw.quotas)
    return draw_order(seed, ids or [])


def draw_reveal_and_run(*, draw: PublishedDraw, seed: str | None = None, actor=None):
    """Reveal the seed and run the draw. Returns the ordered public ids
    (for a stratified draw: stratum → selected ids).

    A seed whose SHA-256 differs from the published hash is refused. Without
    ``seed`` the sealed one kept at commit time is used.
    """
    with transaction.atomic():
        draw = PublishedDraw.objects.select_for_update().get(pk=draw.pk)
        if draw.state == DrawState.COMMITTED:
            raise Conflict(_("Publish the candidates before revealing the seed."))
        if draw.state == DrawState.DRAWN:
            raise Conflict(_("This draw has already been run; its result is published."))
        seed = seed if seed is not None else draw.sealed_seed
        if not seed or algorithm.sha256_hex(seed) != draw.seed_hash:
            raise ValidationFailed.for_field(
                "seed",
                _("This seed does not match the published seed hash. Check the seed and try again."),
            )
        if algorithm.sha256_hex(draw.candidates_text) != draw.candidates_hash:
            raise Conflict(
                _("The stored candidate list no longer matches its published hash. The draw was not run.")
            )
        result = draw_compute(draw=draw, seed=seed)
        now = timezone.now()
        draw.seed = seed
        draw.result = result
        draw.state = DrawState.DRAWN
        draw.revealed_at = now
        draw.drawn_at = now
        draw.drawn_by = actor if getattr(actor, "pk", None) else None
        draw.save(
            update_fields=["seed", "result", "state", "revealed_at", "drawn_at", "drawn_by"]
        )
        audit_record(
            event_type="draws.run",
            actor=actor,
            target=draw,
            new={"seed": seed, "candidates_hash": draw.candidates_hash},
        )
    return result


def draw_verify(*, draw: PublishedDraw) -> bool:
    """True when the revealed seed, the candidates and the stored result all agree."""
    if draw.state != DrawState.DRAWN:
        return False
    return (
        algorithm.sha256_hex(draw.seed) == draw.seed_hash
        and algorithm.sha256_hex(draw.candidates_text) == draw.candidates_hash
        and draw_compute(draw=draw, seed=draw.seed) == draw.result
    )
