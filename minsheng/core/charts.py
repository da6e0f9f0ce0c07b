"""Charts on dashboards: one description a view builds from the figures it already shows, drawn by
ECharts (vendored, minsheng/core/static/vendor/echarts), read as a table beside the drawing (the
accessible form of the same figures) and downloadable as CSV with the page's scope and filters.

A view builds ``Chart`` objects, answers ``?format=csv&chart=<key>`` with ``chart_csv_response``
and passes the charts to its template, which shows each with ``{% chart c %}`` (``core.charts``
template tags). The data reach the browser through ``json_script``; the page carries no script
of its own (static/minsheng/charts.js draws every chart on it).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

KINDS = ("bar", "hbar", "line", "pie", "stacked")


@dataclass
class Series:
    name: Any
    values: list[float | int | None]
    unit: Any = ""


@dataclass
class Chart:
    """One chart: ``categories`` along one axis (names, days), one ``Series`` per measure.

    ``kind`` is bar (vertical), hbar (horizontal, for long names), stacked (stacked bars), line
    or pie (one series). ``category_label`` heads the table's first column.
    """

    key: str
    title: Any
    kind: str
    category_label: Any
    categories: list[Any]
    series: list[Series]
    note: Any = ""
    height: int = 320
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"chart kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "hbar":
            self.height = max(self.height, 60 + 26 * len(self.categories))
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"series {s.name!r} of chart {self.key!r} has {len(s.values)} values "
                                 f"for {len(self.categories)} categories")

    @property
    def dom_id(self) -> str:
        return f"chart-{self.key}"

    def rows(self) -> list[list[Any]]:
        return [[c, *(s.values[i] for s in self.series)] for i, c in enumerate(self.categories)]

    def header(self) -> list[str]:
        return [str(self.category_label), *(f"{s.name} ({s.unit})" if s.unit else str(s.name) for s in self.series)]

    def spec(self) -> dict:
        """What charts.js needs: plain strings and numbers only."""
        return {
            "kind": self.kind,
            "title": str(self.title),
            "categories": [str(c) for c in self.categories],
            "series": [{"name": str(s.name), "unit": str(s.unit), "values": [_num(v) for v in s.values]}
                       for s in self.series],
            **self.extra,
        }


def _num(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def chart_csv(chart: Chart, *, scope: Any, filters: Sequence[tuple[Any, Any]] = ()) -> str:
    """The chart's table as CSV: first what it covers (scope, each filter), a blank line, the table."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Chart"), str(chart.title)])
    writer.writerow([_("Scope"), str(scope)])
    for name, value in filters:
        writer.writerow([str(name), "" if value in (None, "") else str(value)])
    writer.writerow([])
    writer.writerow(chart.header())
    for row in chart.rows():
        writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue()


def chart_csv_response(request, charts: Iterable[Chart], *, scope: Any,
                       filters: Sequence[tuple[Any, Any]] = (), filename: str = "chart") -> HttpResponse | None:
    """The CSV of the chart named by ``?format=csv&chart=<key>``, or None when the request is not for one."""
    if request.GET.get("format") != "csv":
        return None
    wanted = request.GET.get("chart", "")
    for chart in charts:
        if chart.key == wanted:
            # with a byte-order mark: spreadsheet programs then read the Chinese correctly
            response = HttpResponse("\ufeff" + chart_csv(chart, scope=scope, filters=filters),
                                    content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{filename}-{chart.key}.csv"'
            return response
    return None


def scope_text(*, user, assignments: Iterable[Any] = ()) -> str:
    """What a staff member's figures cover, in words: the regions and organisations of the
    assignments the page was opened under (the CSV's first lines say it)."""
    if getattr(user, "is_superuser", False):
        return _("the whole platform")
    names = sorted({f"{a.region.name} · {a.organisation.name}" if getattr(a, "organisation", None)
                    else a.region.name for a in assignments})
    return "; ".join(names) or _("no assignment")
