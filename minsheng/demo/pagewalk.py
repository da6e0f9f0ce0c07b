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

from minsheng.access.models import RoleAssignment
from minsheng.access.principal import held_assignments
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.identity.normalize import normalize_phone

from .models import DemoLogin

# Not pages: the back office, sign-out, language switch, files, the API's own viewer.
SKIP_PREFIXES = ("/admin/", "/accounts/logout", "/i18n/", "/static/", "/media/", "/api/v1/docs")
SKIP_ROUTE_PARTS = ("logout",)
START_URLS = ("/", "/me/", "/workbench/", "/cases/mine/", "/notifications/")
# The URL patterns no demo account opens as a page, each with its reason: actions that
# take only a POST (a form's button), data a page fetches for its scripts, files, and the
# steps of a sign-in that only a third party or the sign-in itself leads to. Every other
# pattern must be opened by some demo account (test_pages_in_browser checks it).
POST_ONLY = "POST only: a form's button"
KNOWN_UNOPENED = {
    "accounts/real-name/callback/": "only as the identity service's redirect back, with its code",
    "accounts/staff/link/<str:token>/": "a one-time sign-in link a member of staff receives by SMS (its token "
                                        "is in no page); without it, accounts/staff/link/ says what to do (walked)",
    "accounts/logout/": POST_ONLY,
    "accounts/display/": POST_ONLY + " (the elderly-mode switch on every page)",
    "i18n/setlang/": POST_ONLY + " (the language switch on every page)",
    "files/<uuid:key>/": "a stored file (photos and attachments), not a page",
    "notifications/read-all/": POST_ONLY,
    "notifications/<int:pk>/read/": POST_ONLY,
    "cases/mine/<int:case_id>/act/": POST_ONLY,
    "ratings/case/<int:case_id>/": POST_ONLY + " (the rating form on the case's page)",
    "workbench/cases/<int:case_id>/act/": POST_ONLY,
    "workbench/tasks/<int:task_id>/claim/": POST_ONLY,
    "workbench/tasks/<int:task_id>/complete/": POST_ONLY,
    "workbench/staff/<int:user_id>/remove/": POST_ONLY,
    "workbench/staff/<int:user_id>/link/": POST_ONLY + " (send the sign-in link again)",
    "workbench/staff/<int:user_id>/roles/<int:assignment_id>/take/": POST_ONLY,
    "p/after_school/apply/": POST_ONLY,
    "p/after_school/applications/<int:application_id>/rate/": POST_ONLY,
    "p/after_school/applications/<int:application_id>/respond/": POST_ONLY,
    "p/after_school/applications/<int:application_id>/withdraw/": POST_ONLY,
    "p/after_school/teacher/sessions/<int:session_id>/mark/": POST_ONLY,
    "p/after_school/teacher/sessions/<int:session_id>/pickup/": POST_ONLY,
    "p/after_school/manage/waivers/rules/<int:rule_id>/delete/": POST_ONLY,
    "p/elderly_care/dispatch/<int:order_id>/": POST_ONLY + " (a visit's dispatch form on the dispatch page)",
    "p/elderly_care/statements/<int:statement_id>/act/": POST_ONLY,
    "p/enterprise_startup/a/<int:app_id>/confirmations/": POST_ONLY,
    "p/enterprise_startup/a/<int:app_id>/submit/": POST_ONLY,
    "p/evaluation_panels/ideas/<int:idea_id>/support/": POST_ONLY,
    "p/evaluation_panels/me/seats/<int:seat_id>/respond/": POST_ONLY,
    "p/evaluation_panels/evaluations/<int:evaluation_id>/recipient/": POST_ONLY,
    "p/service_halls/points/<int:point_id>/take/": POST_ONLY,
    "p/service_halls/t/<str:token>/cancel/": POST_ONLY,
    "p/service_halls/t/<str:token>/rate/": POST_ONLY,
    "p/service_halls/clerk/windows/<int:window_id>/sign/": POST_ONLY,
    "p/service_halls/clerk/windows/<int:window_id>/<slug:action>/": POST_ONLY + " (call, start, finish …)",
    "p/service_halls/manage/windows/<int:window_id>/sign-off/": POST_ONLY,
    "p/service_halls/coverage/refresh/": POST_ONLY,
    "p/service_halls/map/roads.geojson": "data the map fetches for its view",
    "p/service_halls/map/tiles/<slug:name>/<int:z>/<int:x>/<int:y>.<slug:ext>": "map tiles the map fetches",
}
# Links may be absolute to the site itself (a QR code's address shown under it).
SITE = "http://testserver"
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
        if href.startswith(SITE + "/"):
            href = href[len(SITE):]
        if href.startswith("/") and not href.startswith("//") and not href.startswith(SKIP_PREFIXES):
            out.append(href)
    return out


def declared_access(url: str):
    """What the URL's view declares (``access.decorators``): "public", "citizen",
    ("staff", roles), or None."""
    try:
        callback = resolve(urlsplit(url).path).func
    except Resolver404:
        return None
    for obj in (callback, getattr(callback, "view_class", None), getattr(callback, "__wrapped__", None)):
        if obj is not None and getattr(obj, "minsheng_access", None):
            return obj.minsheng_access
    return None


def declared_open_to(user: User | None, url: str) -> bool:
    """Whether the view's declaration lets ``user`` in (so a walk need not ask to be refused).
    The view still decides: this only spares the walk the pages it would answer 403 to."""
    access = declared_access(url)
    if user is None:
        return access == "public"
    if isinstance(access, tuple) and access[0] == "staff":
        return user.is_staff and (
            user.is_superuser or bool(held_assignments(user=user, roles=access[1] or None))
        )
    return True


def walk(
    client: Client,
    *,
    login: str = "",
    per_route: int = 2,
    max_pages: int = 400,
    user: User | None = None,
    declared_only: bool = False,
    start: list[str] | None = None,
    skip_routes: frozenset[str] = frozenset(),
    skip_prefixes: tuple[str, ...] = (),
) -> list[Visit]:
    """Open every page reachable for ``client``'s account; count each page's statements.

    ``declared_only``: skip the URLs whose view's declaration refuses ``user`` (None: no
    one signed in) — for a walk that wants pages, not the refusals. ``start``: the URLs
    to start from (the shells' home pages and every page without an argument).
    ``skip_routes``: URL patterns not to open; ``skip_prefixes``: nor URLs starting so.
    """
    queue = deque(start if start is not None else [*START_URLS, *parameterless_urls()])
    seen_urls: set[str] = set()
    per: dict[str, int] = {}
    visits: list[Visit] = []
    while queue and len(visits) < max_pages:
        url = queue.popleft()
        if url in seen_urls or any(part in url for part in SKIP_ROUTE_PARTS) or url.startswith(skip_prefixes):
            continue
        seen_urls.add(url)
        route = route_of(url)
        if route is None or per.get(route, 0) >= per_route or route in skip_routes:
            continue
        if declared_only and not declared_open_to(user, url):
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


def walk_every_account(
    *,
    per_route: int = 2,
    max_pages: int = 400,
    declared_only: bool = False,
    start: list[str] | None = None,
    skip_routes: frozenset[str] = frozenset(),
    pages_only: bool = False,
    logins: set[str] | None = None,
) -> list[Visit]:
    """``walk`` as each demo account (the accounts ``minsheng up`` prints), and as no one.
    ``logins``: only these accounts ("" for no one signed in); None: all of them.

    ``pages_only``: leave the API out, and let staff accounts start from the staff pages
    only (the public and citizens' pages are walked by no one signed in and the citizens;
    a staff page's links into them are still followed) — a walk for the pages' checks,
    a third of the requests of the full one.
    """
    options = {"per_route": per_route, "max_pages": max_pages, "declared_only": declared_only,
               "skip_routes": skip_routes, "skip_prefixes": ("/api/",) if pages_only else ()}
    everywhere = start if start is not None else [*START_URLS, *parameterless_urls()]
    staff_start = everywhere
    if pages_only and start is None:
        staff_start = [*START_URLS, *(u for u in parameterless_urls() if declared_access(u) not in ("public", "citizen"))]
    visits = walk(Client(), login="", start=everywhere, **options) if logins is None or "" in logins else []
    for login in DemoLogin.objects.all():
        if logins is not None and login.login not in logins:
            continue
        user = account_for(login)
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        own_start = staff_start if user.is_staff else everywhere
        visits += walk(client, login=login.login, user=user, start=list(own_start), **options)
    return visits


def one_login_per_role_set() -> set[str]:
    """No one signed in, every citizen (each family differs), and of the staff one account for
    each set of roles — the six project officers of six departments open the same pages through
    the same queries, so a walk that compares statements need not open them six times."""
    logins = {""}
    seen: set[tuple] = set()
    for login in DemoLogin.objects.all():
        user = account_for(login)
        if user is None:
            continue
        if not user.is_staff:
            logins.add(login.login)
            continue
        key = (user.is_superuser, frozenset(RoleAssignment.objects.filter(user=user).values_list("role_id", flat=True)))
        if key not in seen:
            seen.add(key)
            logins.add(login.login)
    return logins


@dataclass(frozen=True)
class Page:
    """One page to look at: a URL of ``route``, opened as ``login`` ("" = no one signed in)."""

    route: str
    url: str
    login: str
    status: int = 200


def privilege(user: User | None) -> tuple[int, int]:
    """How much an account may do, for ordering: no one < a citizen < fewer staff roles < more."""
    if user is None:
        return (0, 0)
    roles = RoleAssignment.objects.filter(user=user).count()
    return (2 if user.is_superuser else 1, roles)


_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def seed_urls(visits: list[Visit], *, tries: int = 2) -> list[str]:
    """URLs for the patterns with arguments that no visit opened: each argument takes the
    values the same argument had in the URLs visited (``app_id`` 7 from ``a/7/tracker/``;
    a bare ``pk`` only within the same first path segment, a ``token`` only under the same
    path), or 1 for a number never
    seen — the demo city's first objects."""

    def key(route: str, name: str) -> str:
        if name in ("pk", "id"):
            return f"{route.split('/', 1)[0]}/{name}"
        if name == "token":  # a ticket's token is not an evaluation's check-in token: the path before it
            return route.split(f":{name}>", 1)[0]
        return name

    values: dict[str, list] = {}
    for visit in visits:
        try:
            match = resolve(urlsplit(visit.url).path)
        except Resolver404:
            continue
        for name, value in match.kwargs.items():
            known = values.setdefault(key(match.route, name), [])
            if value not in known:
                known.append(value)
    opened = {visit.route for visit in visits if visit.status == 200}
    seeds = []
    for route, namespace, _view in url_patterns():
        if namespace == "admin" or "<" not in route or route in opened:
            continue
        if any(c in route for c in "^$()[]?*+\\") or route.startswith(("api/", *(p.lstrip("/") for p in SKIP_PREFIXES))):
            continue
        arguments = _ARGUMENT.findall(route)
        choices = [
            values.get(key(route, name)) or ([1] if kind == "int" else []) for kind, name in arguments
        ]
        if not all(choices):
            continue
        for i in range(tries):
            picked = iter(c[min(i, len(c) - 1)] for c in choices)
            url = "/" + _ARGUMENT.sub(lambda _m, picked=picked: str(next(picked)), route)
            if url not in seeds:
                seeds.append(url)
    return seeds


def page_visits(*, max_pages: int = 150, logins: set[str] | None = None) -> list[Visit]:
    """Every account's walk (skipping what its views' declarations refuse it), one page per
    pattern: the links a page shows differ by account, and the pages of one object are
    found through them. Then every account tries the patterns no link led to (``seed_urls``).
    ``logins``: only these accounts' walks ("" for no one signed in; None: every account).
    """
    visits = walk_every_account(per_route=1, max_pages=max_pages, declared_only=True, pages_only=True,
                                logins=logins)
    seeds = seed_urls(visits)
    if seeds:
        # Not again what was opened, nor the actions known to take only a POST (each would
        # answer every account 405).
        skip = frozenset(v.route for v in visits if v.status == 200) | KNOWN_UNOPENED.keys()
        visits += walk_every_account(
            per_route=1, max_pages=max_pages, declared_only=True, start=seeds, skip_routes=frozenset(skip),
            pages_only=True, logins=logins,
        )
    return visits


def _is_page(visit: Visit) -> bool:
    return visit.status == 200 and visit.content_type.startswith("text/html")


def least_privileged_pages(visits: list[Visit]) -> list[Page]:
    """One page per URL pattern some account opened (an HTML page answering 200), as the
    least-privileged account that opened it."""
    users = {login.login: account_for(login) for login in DemoLogin.objects.all()}
    order = {"": (privilege(None), -1)} | {
        login: (privilege(user), i) for i, (login, user) in enumerate(users.items()) if user
    }
    best: dict[str, Visit] = {}
    for visit in filter(_is_page, visits):
        held = best.get(visit.route)
        if held is None or order[visit.login] < order[held.login]:
            best[visit.route] = visit
    # A page its view declares public is opened by no one signed in, however it was found.
    return [
        Page(v.route, v.url, "" if declared_access(v.url) == "public" else v.login)
        for v in sorted(best.values(), key=lambda v: v.url)
    ]


def pages_of_every_account(visits: list[Visit]) -> list[Page]:
    """Every HTML page each account opened (one per pattern): the gallery's full matrix."""
    seen: set[tuple[str, str]] = set()
    pages = []
    for visit in filter(_is_page, visits):
        if (visit.login, visit.route) not in seen:
            seen.add((visit.login, visit.route))
            pages.append(Page(visit.route, visit.url, visit.login))
    return pages


def session_cookie(user: User) -> str:
    """A signed-in session for ``user``, as the value of the session cookie a browser sends."""
    from django.conf import settings

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def sessions_for(pages: list[Page]) -> dict[str, str]:
    """{login: session cookie} for the demo accounts that open ``pages``."""
    logins = {page.login for page in pages} - {""}
    return {
        login.login: session_cookie(user)
        for login in DemoLogin.objects.filter(login__in=logins)
        if (user := account_for(login)) is not None
    }


def error_pages(pages: list[Page]) -> list[Page]:
    """The error pages people meet: a page that does not exist, and a staff page a citizen opens."""
    citizen = next((p.login for p in pages if p.route == "me/"), "")
    out = [Page("(404)", "/no-such-page/", citizen, 404)]
    if citizen:
        out.append(Page("(403)", "/workbench/", citizen, 403))
    return out
