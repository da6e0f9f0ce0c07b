"""No page's statements grow with its rows (no N+1 anywhere).

The demo city is built at two sizes, ten times apart, and every page reachable for each
demo account (minsheng.demo.pagewalk) is opened at both — one page of each URL pattern, as no
one signed in, as each citizen and as one member of staff for each set of roles. A page whose
list holds ten times the rows may cost a few statements more (a prefetch that an empty list
skips), never a number that follows the rows.
"""

import pytest
from django.db import transaction

from minsheng.demo.pagewalk import (
    KNOWN_UNOPENED,
    one_login_per_role_set,
    parameterless_urls,
    route_of,
    url_patterns,
    walk_every_account,
)
from minsheng.demo.services import demo_build
from minsheng.regions.services import regions_load

pytestmark = pytest.mark.django_db

SMALL, LARGE = 0.0002, 0.002  # 40 and 400 residents; every school, town and department both times
SEED = 11
ALLOWED_GROWTH = 3  # statements a page may add between the two sizes
PER_ROUTE = 1  # the most statements of any page of a pattern: one page each (a walk is ~22 ms a page)
MAX_PAGES = 150  # per account


class _Rollback(Exception):
    pass


def _statements_by_page(scale: float) -> dict[tuple[str, str], int]:
    """(account, URL pattern) → the most statements any page of that pattern cost."""
    cost: dict[tuple[str, str], int] = {}
    try:
        with transaction.atomic():
            demo_build(scale=scale, seed=SEED, show_progress=False)
            for visit in walk_every_account(per_route=PER_ROUTE, max_pages=MAX_PAGES,
                                            logins=one_login_per_role_set()):
                if visit.status == 200:
                    key = (visit.login, visit.route)
                    cost[key] = max(cost.get(key, 0), visit.statements)
            raise _Rollback
    except _Rollback:
        pass
    return cost


def test_no_page_costs_more_statements_when_it_shows_more_rows():
    regions_load(province="32", history=False)
    small = _statements_by_page(SMALL)
    large = _statements_by_page(LARGE)
    grown = {
        key: (small[key], large[key])
        for key in small.keys() & large.keys()
        if large[key] > small[key] + ALLOWED_GROWTH
    }
    assert not grown, "statements grew with the rows (account, page): (small, large)\n" + "\n".join(
        f"{login or 'anonymous'} {route}: {a} → {b}" for (login, route), (a, b) in sorted(grown.items())
    )
    # The walk reached its pages: every page that takes no argument, for some account.
    reached = {route for _login, route in small.keys() | large.keys()}
    starts = {route_of(url) for url in parameterless_urls()} - {None}
    opened_by_nobody = {r for r in starts - reached if not r.startswith("api/")}
    all_routes = {route for route, namespace, _view in url_patterns() if namespace != "admin"}
    print(f"\nN+1 walk: {len(reached)} of {len(all_routes)} URL patterns opened "  # noqa: T201
          f"({len(small)} and {len(large)} account-page pairs); the rest are POST-only actions "
          "and API operations on one object")
    assert len(reached) > 80 and not opened_by_nobody - KNOWN_UNOPENED.keys(), sorted(opened_by_nobody)
