"""Builders for evaluation-panel tests: regions, units, people, volunteers, a project, an evaluation."""

import itertools
from datetime import date, datetime, timedelta

from django.utils import timezone

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region

from .. import services
from ..models import Category, Criterion, Cycle, Rubric

_seq = itertools.count(1)
NOW = timezone.make_aware(datetime(2026, 5, 12, 9, 0))
DISTRICTS = {"320703": "连云区", "320706": "海州区", "320707": "赣榆区"}


def city() -> Region:
    return Region.objects.get_or_create(code="320700", defaults={"prefix": "3207", "name": "连云港市", "level": "city"})[0]


def district(code: str = "320706") -> Region:
    return Region.objects.get_or_create(
        code=code, defaults={"prefix": code, "name": DISTRICTS.get(code, code), "level": "county", "parent": city()}
    )[0]


def org(name: str = "市住建局", kind: str = "department", parent=None) -> Organisation:
    return Organisation.objects.create(name=f"{name}{next(_seq)}", kind=kind, region=city(), parent=parent)


def user(name: str = "用户", **kw) -> User:
    return User.objects.create(username=f"u{next(_seq)}", name=name, **kw)


def person(name: str = "张伟", *, birth=date(1985, 5, 1), region="320706", account: bool = True) -> Person:
    return Person.objects.create(
        name=name, birth_date=birth, residence_region=district(region), user=user(name) if account else None
    )


def role(code: str) -> Role:
    return Role.objects.get_or_create(code=code, defaults={"title": code})[0]


def staff_user(role_code: str, organisation=None, region=None, name="工作人员") -> User:
    u = user(name, is_staff=True)
    RoleAssignment.objects.create(user=u, role=role(role_code), organisation=organisation or org("市人大常委会"),
                                  region=region or city())
    return u


def volunteer(*, region="320706", birth=date(1985, 5, 1), employer=None, links=(), name="志愿者"):
    return services.volunteer_enrol(person=person(name, birth=birth, region=region), actor=None,
                                    occupation="教师", employer=employer, conflict_organisations=links)


def pool(per_stratum: int = 4, districts=("320703", "320706"), births=(date(1995, 1, 1), date(1970, 1, 1))):
    """``per_stratum`` volunteers in every (district × age band) cell."""
    out = []
    for d in districts:
        for b in births:
            out += [volunteer(region=d, birth=b, name=f"志愿者{d[-2:]}{b.year}{i}") for i in range(per_stratum)]
    return out


def rubric() -> Rubric:
    r = Rubric.objects.create(name="群众评议实地调研测评表", is_default=True)
    Criterion.objects.create(rubric=r, name="项目完成度", weight=40, max_score=10, order=1)
    Criterion.objects.create(rubric=r, name="工程质量", weight=30, max_score=10, order=2)
    Criterion.objects.create(rubric=r, name="群众受益", weight=30, max_score=10, order=3)
    return r


def cycle(year: int = 2026, **kw) -> Cycle:
    return Cycle.objects.get_or_create(year=year, defaults={"title": f"{year}年民生实事项目", **kw})[0]


def project(*, lead_unit=None, contractors=(), cy=None, number="1", milestones=()):
    lead_unit = lead_unit or org("市住建局")
    cat = Category.objects.get_or_create(name="城乡建设")[0]
    return services.project_create(
        cycle=cy or cycle(), title=f"老旧小区改造{next(_seq)}", category=cat, lead_unit=lead_unit, region=district(),
        actor=None, budget="1200", targets="改造小区30个", contractors=contractors, number=number, milestones=milestones,
    )


def evaluation(project, *, size=4, starts=None, **kw):
    if not Rubric.objects.filter(is_default=True).exists():
        rubric()
    starts = starts or NOW
    return services.evaluation_create(project=project, place="海州区新坝小区", starts_at=starts,
                                      ends_at=starts + timedelta(hours=3), panel_size=size, actor=None, **kw)


def drawn_evaluation(project, *, size=4, seed="test-seed", **kw):
    ev = evaluation(project, size=size, **kw)
    services.evaluation_publish_candidates(evaluation=ev, actor=None, seed=seed)
    services.evaluation_run_draw(evaluation=ev, actor=None)
    ev.refresh_from_db()
    return ev


def all_score(ev, overalls: list[str], *, comment="道路还有坑洼"):
    """Check in and score with the panel members in order, one overall view each."""
    seats = list(ev.seats.select_related("volunteer__person__user").order_by("id"))
    token = services.checkin_token(evaluation=ev)
    for seat, overall in zip(seats, overalls, strict=False):
        u = seat.volunteer.person.user
        services.member_checkin(token=token, user=u)
        if overall:
            services.scorecard_submit(evaluation=ev, user=u, overall=overall, comment=comment,
                                      scores={str(c.id): 8 for c in ev.rubric.criteria.all()})
    return seats


def close_and_publish(ev, *, actor=None):
    """The session closed and counted, then its result published (two steps of the panel office)."""
    services.evaluation_close(evaluation=ev, actor=actor)
    return services.evaluation_publish(evaluation=ev, actor=actor)
