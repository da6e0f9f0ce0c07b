"""Reads for enterprise start-up."""


def application_visible_to(*, user, application) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and application.applicant_id == user.pk


def kpi_median_hours():
    return None


def kpi_zero_visit_percent():
    return None
