"""Walk the demo city's pages as its accounts: every page a person with that account can open.

The URL patterns are the ones ``access/tests/test_url_auth.py`` checks (``url_patterns``).
Starting from each pattern that takes no argument and from the shells' home pages, the
walker follows the links each page shows, as far as ``per_route`` pages of each pattern,
and records what each page cost: its status and its database statements. Tests use it to
prove that no page's statements grow with its rows (``minsheng/demo/tests``) and the
browser checks use the page list it finds.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.identity.normalize import normalize_phone

from .models import DemoLogin

# Not pages: the back office, sign-out, language switch, files, the API's own viewer.
SKIP_PREFIXES = ("/admin/", "/accounts/logout", "/i18n/", "/static/", "/media/", "/api/v1/docs")
SKIP_ROUTE_PARTS = ("logout",)
START_URLS = ("/", "/me/", "/workbench/", "/cases/mine/", "/notifications/")
_HREF = re.compile(r'href="([^"]+)"')


def url_patterns(patterns=None, prefix: str = "", namespace: str | None = None) -> Iterator[tuple]:
    """(route, namespace, view) for every URL pattern of the site."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from url_patterns(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace, p.callback


def parameterless_urls() -> list[str]:
    """The site's patterns that take no argument, as URLs (the walker's other starting points)."""
    urls = []
    for route, namespace, _view in url_patterns():
        if namespace == "admin" or "<" in route or any(c in route for c in "^$()[]?*+\\"):
            continue
        url = "/" + route
        if not url.startswith(SKIP_PREFIXES) and not any(part in url for part in SKIP_ROUTE_PARTS):
            urls.append(url)
    return urls


@dataclass(frozen=True)
class Visit:
    login: str
    route: str  # the URL pattern the page matched, e.g. "p/elderly_care/orders/<int:order_id>/"
    url: str
    status: int
    statements: int
    content_type: str


def account_for(login: DemoLogin) -> User | None:
    user = User.objects.filter(username=login.login).first()
    if user is None:
        phone = normalize_phone(login.login)
        if phone:
            user = User.objects.filter(phone_hash=keyed_hash(phone)).first()
    return user


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return None


def _links(html: str) -> list[str]:
    out = []
    for href in _HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        if href.startswith("/") and not href.startswith("//") and not href.startswith(SKIP_PREFIXES):
            out.append(href)
    return out


def walk(client: Client, *, login: str = "", per_route: int = 2, max_pages: int = 400) -> list[Visit]:
    """Open every page reachable for ``client``'s account; count each page's statements."""
    queue = deque([*START_URLS, *parameterless_urls()])
    seen_urls: set[str] = set()
    per: dict[str, int] = {}
    visits: list[Visit] = []
    while queue and len(visits) < max_pages:
        url = queue.popleft()
        if url in seen_urls or any(part in url for part in SKIP_ROUTE_PARTS):
            continue
        seen_urls.add(url)
        route = route_of(url)
        if route is None or per.get(route, 0) >= per_route:
            continue
        reset_queries()  # the log is bounded: a full one would count nothing
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        per[route] = per.get(route, 0) + 1
        content_type = response.get("Content-Type", "")
        visits.append(Visit(login, route, url, response.status_code, len(captured), content_type))
        if response.status_code == 200 and content_type.startswith("text/html"):
            queue.extend(_links(response.content.decode("utf-8", "replace")))
    return visits


def walk_every_account(*, per_route: int = 2, max_pages: int = 400) -> list[Visit]:
    """``walk`` as each demo account (the accounts ``minsheng up`` prints), and as no one."""
    visits = walk(Client(), login="", per_route=per_route, max_pages=max_pages)
    for login in DemoLogin.objects.all():
        user = account_for(login)
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        visits += walk(client, login=login.login, per_route=per_route, max_pages=max_pages)
    return visits
