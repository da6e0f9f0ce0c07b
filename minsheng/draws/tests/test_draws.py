import hashlib
import time

import pytest
from django.core.management import call_command

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.draws import algorithm
from minsheng.draws.models import DrawState, PublishedDraw
from minsheng.draws.services import (
    draw_commit,
    draw_order,
    draw_publish_candidates,
    draw_reveal_and_run,
    draw_stratified,
    draw_verify,
)

IDS = [f"KH-2026-{i:05d}" for i in range(1, 51)]


def test_order_is_sha256_of_seed_colon_id_using_only_hashlib():
    seed = "abc"
    expected = sorted(IDS, key=lambda p: hashlib.sha256(f"{seed}:{p}".encode()).hexdigest())
    assert draw_order(seed, IDS) == expected
    assert draw_order(seed, list(reversed(IDS))) == expected  # input order is irrelevant


def test_order_depends_on_the_seed():
    assert draw_order("seed-1", IDS) != draw_order("seed-2", IDS)


def test_stratified_draw_fills_each_quota_from_its_own_stratum():
    strata = {"海州区": IDS[:20], "连云区": IDS[20:30], "赣榆区": IDS[30:]}
    result = draw_stratified("s", strata, {"海州区": 3, "连云区": 2, "赣榆区": 50})
    assert len(result["海州区"]) == 3 and set(result["海州区"]) <= set(IDS[:20])
    assert len(result["连云区"]) == 2 and set(result["连云区"]) <= set(IDS[20:30])
    assert sorted(result["赣榆区"]) == sorted(IDS[30:])  # quota above stratum size: all of it
    assert result["海州区"] == draw_order("s", IDS[:20])[:3]


@pytest.mark.django_db
def test_full_draw_is_reproducible_and_audited():
    draw, seed = draw_commit(purpose="课后服务抽签", key="kh-2026")
    assert len(seed) == 64  # 256 bits in hex
    assert draw.seed_hash == hashlib.sha256(seed.encode()).hexdigest()
    assert draw.seed == ""  # not revealed yet
    draw_publish_candidates(draw=draw, public_ids=IDS)
    result = draw_reveal_and_run(draw=draw, seed=seed)
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN and draw.seed == seed
    assert result == draw.result == draw_order(seed, IDS)
    assert draw.candidates_hash == hashlib.sha256(("\n".join(sorted(IDS)) + "\n").encode()).hexdigest()
    assert draw_verify(draw=draw)
    assert list(
        AuditEvent.objects.filter(target_id=str(draw.pk)).values_list("event_type", flat=True)
    ) == ["draws.run", "draws.candidates", "draws.commit"]


@pytest.mark.django_db
def test_wrong_seed_is_refused_and_nothing_is_drawn():
    draw, _seed = draw_commit(purpose="p", key="k1", seed="the real seed")
    draw_publish_candidates(draw=draw, public_ids=IDS)
    with pytest.raises(ValidationFailed):
        draw_reveal_and_run(draw=draw, seed="another seed")
    draw.refresh_from_db()
    assert draw.state == DrawState.CANDIDATES and draw.result == [] and draw.seed == ""


@pytest.mark.django_db
def test_sealed_seed_is_used_when_none_is_given():
    draw, seed = draw_commit(purpose="p", key="k2")
    draw_publish_candidates(draw=draw, public_ids=IDS)
    assert draw_reveal_and_run(draw=draw) == draw_order(seed, IDS)


@pytest.mark.django_db
def test_candidates_cannot_change_after_publication_and_tampering_is_detected():
    draw, seed = draw_commit(purpose="p", key="k3")
    draw_publish_candidates(draw=draw, public_ids=IDS)
    with pytest.raises(Conflict):
        draw_publish_candidates(draw=draw, public_ids=IDS + ["KH-extra"])
    # someone edits the stored list behind the platform's back
    PublishedDraw.objects.filter(pk=draw.pk).update(candidates_text="KH-extra\n")
    with pytest.raises(Conflict):
        draw_reveal_and_run(draw=draw, seed=seed)


@pytest.mark.django_db
def test_duplicate_or_malformed_candidates_are_refused():
    draw, _seed = draw_commit(purpose="p", key="k4")
    with pytest.raises(ValidationFailed):
        draw_publish_candidates(draw=draw, public_ids=["A", "A"])
    with pytest.raises(ValidationFailed):
        draw_publish_candidates(draw=draw, public_ids=["A", "B\tC"])
    with pytest.raises(Conflict):
        draw_commit(purpose="p", key="k4")


@pytest.mark.django_db
def test_stratified_published_draw_runs_and_verifies():
    strata = {"海州区": IDS[:20], "连云区": IDS[20:]}
    draw, seed = draw_commit(purpose="评议团", key="panel-1")
    draw_publish_candidates(draw=draw, strata=strata, quotas={"海州区": 2, "连云区": 3})
    result = draw_reveal_and_run(draw=draw, seed=seed)
    assert result == draw_stratified(seed, strata, {"海州区": 2, "连云区": 3})
    draw.refresh_from_db()
    assert draw_verify(draw=draw)


@pytest.mark.django_db
def test_verify_command_prints_match_and_detects_a_changed_result(capsys, tmp_path):
    draw, seed = draw_commit(purpose="p", key="k5")
    draw_publish_candidates(draw=draw, public_ids=IDS)
    draw_reveal_and_run(draw=draw, seed=seed)
    call_command("draw_verify", "k5")
    assert capsys.readouterr().out.strip().endswith("MATCH")

    # offline: only the seed and the downloaded candidate list
    cand = tmp_path / "c.txt"
    cand.write_text(draw.candidates_text, encoding="utf-8")
    res = tmp_path / "r.txt"
    res.write_text("".join(f"{p}\n" for p in draw.result), encoding="utf-8")
    call_command("draw_verify", "--seed", seed, "--candidates", str(cand), "--result", str(res))
    assert capsys.readouterr().out.strip().endswith("MATCH")

    # a candidate list with one name added no longer matches the published hash
    cand.write_text(draw.candidates_text + "ZZ-extra\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("draw_verify", "k5", "--candidates", str(cand))
    assert "MISMATCH" in capsys.readouterr().out

    PublishedDraw.objects.filter(pk=draw.pk).update(result=list(reversed(draw.result)))
    with pytest.raises(SystemExit):
        call_command("draw_verify", "k5")
    assert "MISMATCH" in capsys.readouterr().out


@pytest.mark.django_db
def test_public_page_shows_hashes_then_seed_and_result(client):
    draw, seed = draw_commit(purpose="课后服务抽签", key="kh-page")
    page = client.get("/draws/kh-page/").content.decode()
    assert draw.seed_hash in page and seed not in page
    draw_publish_candidates(draw=draw, public_ids=IDS)
    draw_reveal_and_run(draw=draw, seed=seed)
    page = client.get("/draws/kh-page/").content.decode()
    draw.refresh_from_db()
    assert seed in page and draw.candidates_hash in page and "minsheng draw-verify kh-page" in page
    assert draw.result[0] in page
    text = client.get("/draws/kh-page/candidates.txt").content.decode()
    assert hashlib.sha256(text.encode()).hexdigest() == draw.candidates_hash
    assert client.get("/draws/kh-page/result.txt").content.decode().split() == draw.result
    assert client.get("/draws/nope/").status_code == 404


def test_605000_candidates_are_ordered_in_seconds():
    ids = [f"S{i:07d}" for i in range(605_000)]
    started = time.perf_counter()
    order = algorithm.draw_order(algorithm.new_seed(), ids)
    elapsed = time.perf_counter() - started
    assert len(order) == 605_000 and len(set(order)) == 605_000
    assert elapsed < 10, elapsed
