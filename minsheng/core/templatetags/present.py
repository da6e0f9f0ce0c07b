"""Values formatted for people, in one place: money, numbers, areas and durations.

    {% load present %}
    {{ statement.amount|money }}        → ¥1,234.56
    {{ company.capital|money:"wan" }}   → 100万元
    {{ compound.area|area }}            → 12,345.6 m²
    {{ visit.minutes|duration }}        → 1小时5分 (1 h 5 min in English)
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value, unit: str = "yuan") -> str:
    """Yuan with two decimals and grouped thousands (¥1,234.56); ``"wan"`` for 万元 amounts
    such as registered capital. An empty value shows as a dash."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    if unit == "wan":
        wan = (amount / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
        return _("%(amount)s ten-thousand yuan") % {"amount": f"{wan:,f}"}
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    return f"{sign}¥{abs(cents):,.2f}"


@register.filter
def number(value, places: int = 0) -> str:
    """A count or measure with grouped thousands (12,345), as Chinese official documents write
    them in both languages; ``places`` decimals when given."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{amount:,.{int(places)}f}"


@register.filter
def area(value) -> str:
    """Square metres, one decimal at most (12,345.6 m²)."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{number(amount.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP).normalize(), 1 if amount % 1 else 0)} m²"


@register.filter
def duration(minutes) -> str:
    """A number of minutes as hours and minutes (1小时5分 / 1 h 5 min)."""
    amount = _decimal(minutes)
    if amount is None:
        return "—"
    total = int(amount.to_integral_value(rounding=ROUND_HALF_UP))
    hours, mins = divmod(abs(total), 60)
    if hours and mins:
        text = _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": mins}
    elif hours:
        text = _("%(hours)s h") % {"hours": hours}
    else:
        text = _("%(minutes)s min") % {"minutes": mins}
    return f"-{text}" if total < 0 else text
