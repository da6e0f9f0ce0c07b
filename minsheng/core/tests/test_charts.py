"""core.charts: a chart's figures must match its categories; its CSV says what it covers first."""

import pytest

from minsheng.core.charts import Chart, Series, chart_csv


def test_a_series_with_the_wrong_number_of_values_is_refused():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        Chart(key="k", title="t", kind="bar", category_label="区", categories=["a", "b", "c"],
              series=[Series("n", [1, 2])])


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Chart(key="k", title="t", kind="radar", category_label="区", categories=[], series=[])


def test_csv_has_chart_scope_and_filters_then_the_table():
    chart = Chart(key="k", title="访问量", kind="bar", category_label="区", categories=["海州区", "连云区"],
                  series=[Series("次数", [3, None], "次")])
    lines = chart_csv(chart, scope="海州区 · 民政局", filters=[("从", "2026-03-01"), ("到", "")]).splitlines()
    assert lines[0].endswith(",访问量") and lines[1].endswith(",海州区 · 民政局")
    assert lines[2:] == ["从,2026-03-01", "到,", "", "区,次数 (次)", "海州区,3", "连云区,"]
