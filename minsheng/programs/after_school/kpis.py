"""KPIs shown on the city dashboard (computed city-wide)."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import Kpi

from .selectors.supervision import city_summary


def coverage_percent() -> float | None:
    return city_summary()["coverage_percent"]


def attendance_percent() -> float | None:
    return city_summary()["attendance_percent"]


KPIS = [
    Kpi(key="after_school.coverage", title=_("Students in after-school care"), compute=coverage_percent, unit="%"),
    Kpi(key="after_school.attendance", title=_("After-school attendance rate"), compute=attendance_percent, unit="%"),
]
