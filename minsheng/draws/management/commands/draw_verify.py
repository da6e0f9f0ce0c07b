"""Re-run a published draw and say MATCH or MISMATCH.

    minsheng draw-verify <key>
    minsheng draw-verify <key> --seed S --candidates file.txt
    minsheng draw-verify --seed S --candidates file.txt [--result result.txt]
"""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minsheng.draws import algorithm
from minsheng.draws.models import DrawState, PublishedDraw


def _result_lines(result) -> list[str]:
    if isinstance(result, dict):
        return [f"{s}\t{pid}" for s, ids in sorted(result.items()) for pid in ids]
    return list(result)


class Command(BaseCommand):
    help = "Re-run a published random draw from its published inputs; prints MATCH or MISMATCH."

    def add_arguments(self, parser):
        parser.add_argument("key", nargs="?", help="key of a published draw")
        parser.add_argument("--seed", help="the revealed seed (instead of the stored one)")
        parser.add_argument("--candidates", help="canonical candidate list file (UTF-8)")
        parser.add_argument("--result", help="published result file to compare with")
        parser.add_argument("--quota", action="append", default=[], help="stratum=n (stratified lists)")

    def handle(self, *args, key=None, seed=None, candidates=None, result=None, quota=(), **opts):
        draw = None
        if key:
            draw = PublishedDraw.objects.filter(key=key).first()
            if draw is None:
                raise CommandError(f"no published draw {key!r}")
            if draw.state != DrawState.DRAWN and seed is None:
                raise CommandError(f"draw {key!r} has not been run yet (seed not revealed)")
        elif not (seed and candidates):
            raise CommandError("give a draw key, or --seed and --candidates")

        seed = seed if seed is not None else draw.seed
        text = (
            Path(candidates).read_text(encoding="utf-8") if candidates else draw.candidates_text
        )
        ids, strata = algorithm.parse_canonical(text)
        problems = []
        seed_hash = algorithm.sha256_hex(seed)
        cand_hash = algorithm.sha256_hex(text)
        self.stdout.write(f"seed hash        {seed_hash}")
        self.stdout.write(f"candidates hash  {cand_hash}")
        self.stdout.write(f"candidates       {len(ids) if ids is not None else sum(map(len, strata.values()))}")

        started = time.perf_counter()
        if strata is not None:
            quotas = dict(draw.quotas) if draw else {}
            for q in quota:
                stratum, _sep, n = q.partition("=")
                quotas[stratum] = int(n)
            computed = algorithm.draw_stratified(seed, strata, quotas)
        else:
            computed = algorithm.draw_order(seed, ids)
        self.stdout.write(f"ordered in       {time.perf_counter() - started:.2f} s")

        expected = None
        if draw is not None:
            if seed_hash != draw.seed_hash:
                problems.append("the seed does not match the published seed hash")
            if cand_hash != draw.candidates_hash:
                problems.append("the candidate list does not match the published hash")
            if draw.state == DrawState.DRAWN:
                expected = draw.result
        if result:
            lines = Path(result).read_text(encoding="utf-8").split("\n")
            expected_lines = [line for line in lines if line]
            if _result_lines(computed) != expected_lines:
                problems.append("the result differs from the result file")
        elif expected is not None and computed != expected:
            problems.append("the result differs from the published result")

        if draw is None and not result:
            for line in _result_lines(computed):
                self.stdout.write(line)
            return
        for p in problems:
            self.stdout.write(f"- {p}")
        if problems:
            self.stdout.write("MISMATCH")
            sys.exit(1)
        self.stdout.write("MATCH")
