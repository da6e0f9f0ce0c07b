"""The site's components as template tags (docs/design.md).

    {% load ui %}
    {% icon "bell" %}                              decorative inline SVG (aria-hidden)
    {% icon "bell" label=_("Messages") %}          an icon that speaks (role="img")
    {% status_chip case.state_title case.state|state_kind %}
    {% steps step_titles current=2 %}              step indicator, 1-based current step
    {% empty_state _("No cases yet.") icon="inbox" %}
    {% pagination page_obj %}                      keeps the other query parameters
    {{ message|alert_class }}                      Bootstrap alert colour of a message
"""

from functools import lru_cache
from pathlib import Path

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

ICON_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "bootstrap-icons"
FALLBACK_ICON = "grid"


@lru_cache(maxsize=256)
def _icon_body(name: str) -> str:
    """The inner markup (paths) of a bootstrap-icons SVG; the fallback icon when unknown."""
    path = ICON_DIR / f"{name}.svg"
    if not name.replace("-", "").isalnum() or not path.is_file():
        path = ICON_DIR / f"{FALLBACK_ICON}.svg"
    text = path.read_text(encoding="utf-8")
    return text[text.index(">") + 1 : text.rindex("</svg>")].strip()


def icon_names() -> list[str]:
    return sorted(p.stem for p in ICON_DIR.glob("*.svg"))


@register.simple_tag
def icon(name: str, label: str = "", size: str = "1em", css: str = "") -> str:
    """An inline SVG from bootstrap-icons. Decorative (hidden from screen readers) unless
    ``label`` is given, then it is announced as an image with that name."""
    classes = f"bi bi-{name} {css}".strip()
    if label:
        speech = format_html('role="img" aria-label="{}"', label)
    else:
        speech = mark_safe('aria-hidden="true"')
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" fill="currentColor" '
        'viewBox="0 0 16 16" class="{}" {} focusable="false">{}</svg>',
        size,
        size,
        classes,
        speech,
        mark_safe(_icon_body(name)),  # noqa: S308 - our vendored SVG files
    )


# State codes of every program end in words like these; their chip colour follows.
_KIND_WORDS = (
    ("danger", ("reject", "refus", "fail", "revok", "cancel", "withdraw", "overdue", "suspend", "expire")),
    ("success", ("approv", "grant", "done", "complet", "issued", "finish", "accept", "active", "closed", "paid", "won")),
    ("secondary", ("draft", "new", "not_started")),
    ("warning", ("return", "correct", "supplement", "waiting", "wait", "hold", "escalat")),
)


@register.filter
def state_kind(code) -> str:
    """The colour kind of a state code: danger, success, secondary, warning or info (in progress)."""
    code = str(code or "").lower()
    for kind, words in _KIND_WORDS:
        if any(word in code for word in words):
            return kind
    return "info"


_CHIP_CLASSES = {
    "success": "text-bg-success",
    "danger": "text-bg-danger",
    "warning": "text-bg-warning",
    "secondary": "text-bg-secondary",
    "info": "text-bg-primary",
    "light": "text-bg-light border",
}


@register.simple_tag
def status_chip(title, kind: str = "info") -> str:
    """A badge with the (translated) state name, coloured by its kind (see ``state_kind``)."""
    return format_html(
        '<span class="badge rounded-pill ms-chip {}" data-kind="{}">{}</span>',
        _CHIP_CLASSES.get(kind, _CHIP_CLASSES["info"]),
        kind,
        title,
    )


@register.inclusion_tag("components/steps.html")
def steps(titles, current: int = 1):
    """A step indicator: ``titles`` in order, ``current`` the 1-based step the person is on."""
    current = int(current)
    items = [
        {"number": i, "title": title, "state": "done" if i < current else "current" if i == current else "todo"}
        for i, title in enumerate(titles, start=1)
    ]
    return {"items": items, "current": current, "total": len(items)}


@register.inclusion_tag("components/empty_state.html")
def empty_state(message, icon: str = "inbox", action_url: str = "", action_label: str = ""):
    return {"message": message, "icon_name": icon, "action_url": action_url, "action_label": action_label}


@register.inclusion_tag("components/pagination.html", takes_context=True)
def pagination(context, page_obj, param: str = "page"):
    """Previous / numbered / next links for a Django ``Page``; other query parameters stay."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else None

    def href(number):
        if query is None:
            return f"?{param}={number}"
        q = query.copy()
        q[param] = number
        return "?" + q.urlencode()

    pages = []
    if page_obj is not None and page_obj.paginator.num_pages > 1:
        for number in page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1):
            pages.append({"number": number, "href": href(number) if isinstance(number, int) else ""})
    return {
        "page": page_obj,
        "pages": pages,
        "previous": href(page_obj.previous_page_number()) if page_obj is not None and page_obj.has_previous() else "",
        "next": href(page_obj.next_page_number()) if page_obj is not None and page_obj.has_next() else "",
    }


_ALERT = {"error": "danger", "success": "success", "warning": "warning", "info": "info", "debug": "secondary"}


@register.filter
def alert_class(message) -> str:
    """The Bootstrap alert colour for a django.contrib.messages message."""
    return _ALERT.get(getattr(message, "level_tag", ""), "info")


class PageTitleNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        text = " ".join(self.nodelist.render(context).split())
        site = conditional_escape(str(context.get("site_name", "")))
        if not text:
            return site
        if not site or text.endswith(site):
            return text
        return f"{text} · {site}"


@register.tag
def pagetitle(parser, token):
    """``<title>{% pagetitle %}{% block title %}{% endblock %}{% endpagetitle %}</title>``:
    "<page> · <site name>", the site name alone when a page names nothing."""
    nodelist = parser.parse(("endpagetitle",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)
