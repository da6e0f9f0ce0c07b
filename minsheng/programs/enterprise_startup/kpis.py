"""KPIs for the city dashboard."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import Kpi

from .selectors import kpi_median_hours, kpi_zero_visit_percent

KPIS = [
    Kpi(
        key="enterprise_startup.median_hours",
        title=_("Start-up: median working hours to completion"),
        compute=kpi_median_hours,
        unit=_("h"),
    ),
    Kpi(
        key="enterprise_startup.zero_visit_share",
        title=_("Start-ups with zero visits"),
        compute=kpi_zero_visit_percent,
        unit="%",
    ),
]
