from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


def render(text: str, **context) -> str:
    return Template("{% load present %}" + text).render(Context(context))


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("464.620000000000"), "¥464.62"), (1234567.5, "¥1,234,567.50"), (0, "¥0.00"),
    ("-12.345", "-¥12.35"), (None, "—"), ("not a number", "—"),
])
def test_money_is_yuan_with_two_decimals_and_grouped_thousands(value, shown):
    assert render("{{ v|money }}", v=value) == shown


def test_capital_in_ten_thousand_yuan_reads_in_each_language():
    with translation.override("zh-hans"):
        assert render('{{ v|money:"wan" }}', v=1000000) == "100万元"
    with translation.override("en"):
        assert render('{{ v|money:"wan" }}', v=1250000) == "125 ten-thousand yuan"


def test_numbers_areas_and_durations():
    assert render("{{ v|number }}", v=12345) == "12,345"
    assert render("{{ v|area }}", v=Decimal("12345.64")) == "12,345.6 m²"
    assert render("{{ v|area }}", v=80) == "80 m²"
    with translation.override("zh-hans"):
        assert render("{{ v|duration }}", v=65) == "1小时5分"
        assert render("{{ v|duration }}", v=45) == "45分钟"
    with translation.override("en"):
        assert render("{{ v|duration }}", v=120) == "2 h"
