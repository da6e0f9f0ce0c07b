"""公开随机抽签 — the draw's arithmetic, with nothing but hashlib.

Everything a citizen needs to re-run a published draw is here and in
docs/draws.md; none of it touches the database.

- seed: any UTF-8 string (generated: 64 hex digits = 256 random bits);
  ``seed_hash = SHA-256(seed)`` in lower-case hex, published before the draw.
- canonical candidate list: the public ids sorted by Python's string order
  (Unicode code points), one per line, each line ending in "\\n", UTF-8.
  A stratified list has lines ``stratum<TAB>public id`` sorted the same way.
  ``candidates_hash = SHA-256(canonical list)``.
- order: each candidate's key is ``SHA-256(seed + ":" + public_id)`` (UTF-8,
  lower-case hex); candidates are sorted by key ascending, ties (never seen
  in practice) broken by the public id.
- stratified: each stratum is ordered on its own as above and the first
  ``quota`` ids of it are selected.
"""

import hashlib
import secrets

SEPARATOR = ":"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_seed() -> str:
    """256 random bits from the operating system, as 64 hex digits."""
    return secrets.token_hex(32)


def check_public_id(public_id: str) -> bool:
    return bool(public_id) and public_id == public_id.strip() and not any(
        c in public_id for c in "\t\r\n"
    )


def canonical_candidates(public_ids) -> str:
    return "".join(f"{pid}\n" for pid in sorted(public_ids))


def canonical_strata(strata: dict[str, list[str]]) -> str:
    return "".join(
        f"{line}\n" for line in sorted(f"{s}\t{pid}" for s, ids in strata.items() for pid in ids)
    )


def parse_canonical(text: str) -> tuple[list[str] | None, dict[str, list[str]] | None]:
    """Read a canonical list back: (ids, None) or (None, strata)."""
    lines = [line for line in text.split("\n") if line]
    if lines and all("\t" in line for line in lines):
        strata: dict[str, list[str]] = {}
        for line in lines:
            stratum, pid = line.split("\t", 1)
            strata.setdefault(stratum, []).append(pid)
        return None, strata
    return lines, None


def draw_order(seed: str, public_ids) -> list[str]:
    """The published ordering: by SHA-256(seed ":" id), then by id. Pure and deterministic."""
    prefix = hashlib.sha256((seed + SEPARATOR).encode("utf-8"))
    keyed = []
    for pid in public_ids:
        h = prefix.copy()
        h.update(pid.encode("utf-8"))
        keyed.append((h.hexdigest(), pid))
    keyed.sort()
    return [pid for _key, pid in keyed]


def draw_stratified(
    seed: str, candidates: dict[str, list[str]], quotas: dict[str, int]
) -> dict[str, list[str]]:
    """Select ``quotas[s]`` ids from each stratum ``s``, each stratum ordered by draw_order.

    A stratum without a quota selects nobody; a quota larger than its stratum
    selects everyone in it. The result has a key for every stratum named in
    ``candidates`` or ``quotas``.
    """
    result = {}
    for stratum in sorted(set(candidates) | set(quotas)):
        quota = int(quotas.get(stratum, 0))
        if quota < 0:
            raise ValueError(f"quota for {stratum!r} is negative")
        result[stratum] = draw_order(seed, candidates.get(stratum, []))[:quota]
    return result
