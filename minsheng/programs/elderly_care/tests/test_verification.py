"""The pure rules a visit's evidence is checked against (services/verification.py)."""

from datetime import timedelta

import pytest
from PIL import Image

from ..services.verification import (
    PhotoIndex,
    dhash,
    hamming,
    haversine_m,
    overlapping_pairs,
    same_photo,
    too_short,
)
from . import factories as f


def test_haversine_matches_a_known_distance():
    # 1/1000 degree of latitude ≈ 111.2 m
    assert haversine_m(34.0, 119.0, 34.001, 119.0) == pytest.approx(111.2, abs=0.5)


def test_short_visit_threshold():
    assert too_short(served_minutes=47, planned_minutes=60)
    assert not too_short(served_minutes=48, planned_minutes=60)


def test_overlapping_intervals_of_one_caregiver():
    t = f.at(2026, 3, 10, 9)
    visits = [
        (1, t, t + timedelta(hours=1)),
        (2, t + timedelta(minutes=30), t + timedelta(hours=2)),
        (3, t + timedelta(hours=2), t + timedelta(hours=3)),
    ]  # 3 only touches 2
    assert overlapping_pairs(visits) == [(1, 2)]


def test_same_photo_survives_resizing_but_different_photos_differ():
    a = Image.open(f.photo(1)).copy()
    b = a.resize((160, 120))
    c = Image.open(f.photo(7)).copy()
    assert same_photo(dhash(a), dhash(b))
    assert hamming(dhash(a), dhash(c)) > 6


def test_photo_index_finds_exactly_the_hashes_within_the_threshold():
    import random

    rng = random.Random(7)
    stored = [f"{rng.getrandbits(64):016x}" for _ in range(3000)]
    # Near copies at every distance up to 8, the flipped bits anywhere.
    for d in range(9):
        for _ in range(20):
            stored.append(f.flip_bits(stored[rng.randrange(300)], rng.sample(range(64), d)))
    index = PhotoIndex(threshold=6)
    for i, h in enumerate(stored):
        index.add(h, (i,))
    index.freeze()
    for probe in stored[:300]:
        expected = {h for h in stored if hamming(probe, h) <= 6}
        found = {stored[items[0][0]] for _d, items in index.near(probe)}
        assert found == expected
