from django.shortcuts import get_object_or_404

from .models import PublishedDraw


def draw_get_public(*, key: str) -> PublishedDraw:
    """Every draw is public by design: its hashes, candidates and result are published."""
    return get_object_or_404(PublishedDraw, key=key)
