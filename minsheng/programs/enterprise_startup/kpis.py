"""KPIs for the city dashboard."""

from .selectors import kpi_median_hours, kpi_zero_visit_percent


def median_hours():
    return kpi_median_hours()


def zero_visit_percent():
    return kpi_zero_visit_percent()
