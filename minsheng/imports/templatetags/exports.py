"""``{% export_query "csv" %}``: the page's own query string, asking for the download."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def export_query(context, fmt: str) -> str:
    query = context["request"].GET.copy()
    for name in ("page", "export"):
        query.pop(name, None)
    query["export"] = fmt
    return "?" + query.urlencode()
