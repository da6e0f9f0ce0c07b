"""Test data for service halls: a tiny city with one town and its point."""

import itertools
from datetime import date

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region

from ..models import BusinessType, ServicePoint, Window

_seq = itertools.count(1)


def region(code: str, level: str, *, parent=None, name=None, lat=None, lon=None, population=None,
           is_urban=False) -> Region:
    prefix = {"city": 4, "county": 6, "town": 9, "community": 12}[level]
    obj, _c = Region.objects.get_or_create(
        code=code,
        defaults={"prefix": code[:prefix], "name": name or code, "level": level, "parent": parent,
                  "latitude": lat, "longitude": lon, "population": population, "is_urban": is_urban},
    )
    return obj


def town() -> Region:
    city = region("320700", "city", name="连云港市")
    county = region("320706", "county", parent=city, name="海州区")
    return region("320706001", "town", parent=county, name="朐阳街道", lat=34.6, lon=119.18)


def business(prefix: str = "A", *, name=None, minutes: int = 10) -> BusinessType:
    obj, _c = BusinessType.objects.get_or_create(
        code=f"biz-{prefix.lower()}",
        defaults={"name": name or f"business {prefix}", "prefix": prefix, "typical_minutes": minutes},
    )
    return obj


def point(*, name=None, businesses=None, place=None, priority_every: int = 2, lat=34.6, lon=119.18) -> ServicePoint:
    place = place or town()
    n = next(_seq)
    org = Organisation.objects.create(name=name or f"服务站{n}", kind="service_point", region=place)
    p = ServicePoint.objects.create(
        organisation=org, name=org.name, level="town_station", region=place,
        latitude=lat, longitude=lon, priority_every=priority_every,
    )
    p.business_types.set(businesses if businesses is not None else [business("A")])
    return p


def clerk(*, point: ServicePoint, role: str = "window_clerk", username=None) -> User:
    Role.objects.get_or_create(code=role, defaults={"title": role})
    user = User.objects.create_user(
        username=username or f"clerk{next(_seq)}", name="窗口人员", password="pw-12345678", is_staff=True
    )
    RoleAssignment.objects.create(user=user, role_id=role, organisation=point.organisation,
                                  region=point.region)
    return user


def window(*, point: ServicePoint, number: int = 1, businesses=None, clerk=None) -> Window:
    w = Window.objects.create(point=point, number=number, clerk=clerk)
    w.business_types.set(businesses if businesses is not None else point.business_types.all())
    return w


def staffed_window(*, waiting: int, number: int = 1) -> tuple[ServicePoint, User, Window]:
    """A point with one clerk at window ``number`` and ``waiting`` kiosk numbers of its first business."""
    from ..services.tickets import ticket_issue

    p = point()
    c = clerk(point=p)
    w = window(point=p, clerk=c, number=number)
    biz = p.business_types.first()
    for _ in range(waiting):
        ticket_issue(point=p, business_type=biz, channel="kiosk")
    return p, c, w


def person(*, birth: date = date(1980, 1, 1), name: str = "张三") -> Person:
    return Person.objects.create(name=name, birth_date=birth)


def citizen(*, phone_seq=None) -> User:
    n = phone_seq or next(_seq)
    user = User.objects.create_user(username=f"citizen{n}", name="市民", password="pw-12345678")
    Person.objects.create(user=user, name="市民", birth_date=date(1985, 5, 5))
    return user


def act(action, ticket, clerk, **kwargs):
    """Run a window action (calling.ticket_start …) on ``ticket`` at the window it is at now."""
    from ..models import Ticket

    window_id = Ticket.objects.values_list("window_id", flat=True).get(pk=ticket.pk)
    return action(window_id=window_id, ticket_id=ticket.pk, clerk=clerk, **kwargs)
