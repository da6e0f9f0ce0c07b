"""Reads of the 15-minute circle."""

from ..models import CoverageRun


def coverage_current() -> CoverageRun | None:
    return CoverageRun.objects.filter(finished_at__isnull=False).order_by("-id").first()


def coverage_rows(*, run: CoverageRun):
    return run.rows.select_related("community", "nearest_point").order_by("community_id")
