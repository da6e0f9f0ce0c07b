"""KPIs shown on the city dashboard."""

from . import selectors


def satisfied_percent() -> float | None:
    return selectors.kpi_summary()["satisfied_percent"]


def on_time_percent() -> float | None:
    return selectors.kpi_summary()["on_time_percent"]
