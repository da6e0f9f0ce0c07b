"""``{% chart c %}``: a chart (minsheng.core.charts.Chart) with its table beside it and its CSV link."""

from django import template

register = template.Library()


@register.inclusion_tag("components/chart.html", takes_context=True)
def chart(context, chart):
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    if query is not None:
        query["format"] = "csv"
        query["chart"] = chart.key
    return {"chart": chart, "spec": chart.spec(), "data_id": f"{chart.dom_id}-data", "csv_query": query.urlencode() if query is not None else ""}
