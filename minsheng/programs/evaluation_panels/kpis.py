"""KPIs shown on the city dashboard."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import Kpi

from .selectors import kpi_summary


def satisfied_percent() -> float | None:
    return kpi_summary()["satisfied_percent"]


def on_time_percent() -> float | None:
    return kpi_summary()["on_time_percent"]


KPIS = [
    Kpi(
        key="evaluation_panels.satisfaction",
        title=_("Livelihood projects rated satisfied"),
        compute=satisfied_percent,
        unit="%",
    ),
    Kpi(
        key="evaluation_panels.on_time",
        title=_("Project milestones met on time"),
        compute=on_time_percent,
        unit="%",
    ),
]
