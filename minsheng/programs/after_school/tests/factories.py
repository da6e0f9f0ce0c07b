"""Small builders for after-school tests: a school, a class, a guardian with children, an offering."""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from minsheng.access.models import Organisation
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.regions.models import Region

from ..models import ClassGroup, Enrolment, Grade, Teacher, Term
from ..services.offerings import offering_create, window_create

_seq = itertools.count(1)
NOW = timezone.make_aware(datetime(2026, 2, 20, 9, 0))


def region() -> Region:
    city, _ = Region.objects.get_or_create(code="320700", defaults={"prefix": "3207", "name": "连云港市", "level": "city"})
    county, _ = Region.objects.get_or_create(
        code="320706", defaults={"prefix": "320706", "name": "海州区", "level": "county", "parent": city})
    return county


def school(name: str = "海州实验小学") -> Organisation:
    return Organisation.objects.create(name=f"{name}{next(_seq)}", kind="school", region=region())


def term() -> Term:
    return Term.objects.get_or_create(
        name="2025–2026学年第二学期", school_year=2025,
        defaults={"starts_on": date(2026, 3, 2), "ends_on": date(2026, 7, 3)})[0]


def user(name: str = "家长", **kw) -> User:
    return User.objects.create(username=f"u{next(_seq)}", name=name, **kw)


def person(name: str, *, account: bool = False, birth=date(1985, 5, 1)) -> Person:
    return Person.objects.create(name=name, user=user(name) if account else None, birth_date=birth)


def guardian_with_child(sch: Organisation, *, grade_level: int = 3, category: str = "", dual: bool = False,
                        children: int = 1):
    guardian = person("王芳", account=True)
    kids = []
    for i in range(children):
        child = person(f"王小{i}", birth=date(2017, 3, 1))
        PersonRelation.objects.create(person=guardian, relative=child, kind="guardian", detail="母亲")
        enrol(child, sch, grade_level=grade_level, category=category, dual=dual)
        kids.append(child)
    return guardian.user, kids if children > 1 else kids[0]


def enrol(child: Person, sch: Organisation, *, grade_level: int = 3, category: str = "", dual: bool = False):
    grade, _ = Grade.objects.get_or_create(school=sch, level=grade_level, defaults={"name": f"{grade_level}年级"})
    cls, _ = ClassGroup.objects.get_or_create(
        school=sch, grade=grade, school_year=2025, number=1, defaults={"name": f"{grade_level}(1)班"})
    return Enrolment.objects.create(student=child, class_group=cls, school=sch, school_year=2025,
                                    grade_level=grade_level, family_category=category, dual_working=dual)


def teacher(sch: Organisation, *, party: bool = False) -> Teacher:
    return Teacher.objects.create(person=person("李老师", account=True), school=sch, subjects="语文",
                                  party_member=party)


def offering(sch: Organisation, *, capacity: int = 30, allocation: str = "first_come", weekdays=(0, 1, 2, 3, 4),
             fee: Decimal = Decimal("300"), teachers=(), kind="weekday", grade_min=1, grade_max=6):
    return offering_create(
        actor=None, term=term(), title="三年级课后服务", kind=kind, activity="homework", host=sch, school=sch,
        weekdays=list(weekdays), start_time=time(15, 30), end_time=time(17, 45), capacity=capacity,
        grade_min=grade_min, grade_max=grade_max, fee=fee, allocation=allocation, teachers=teachers)


def window(sch: Organisation, *, opens=NOW - timedelta(days=1), closes=NOW + timedelta(days=2), seed=None, **kw):
    return window_create(actor=None, term=term(), opens_at=opens, closes_at=closes, school=sch,
                                  seed=seed, **kw)


def key() -> str:
    return f"test-key-{next(_seq):08d}"
