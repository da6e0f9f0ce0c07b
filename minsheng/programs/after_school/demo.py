"""The after-school part of the demo city: every school's grades and classes, students with
guardians, teachers, a term with offerings, a closed (allocated) window and an open one.

At --scale 1: 364 schools, 605,000 students, ~32,000 teachers. Applications
are written in bulk (the same rows the services write); the lottery offerings
are then allocated by the real lottery (lottery_run).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from minsheng.access.models import Organisation
from minsheng.core.bulk import BulkWriter
from minsheng.identity.models import PersonRelation, User

from .models import (
    Application,
    ClassGroup,
    Enrolment,
    FeeWaiverRule,
    Grade,
    Offering,
    OfferingDay,
    SeatRequest,
    Teacher,
    Term,
)
from .services.applications import fee_after_waiver, new_reference
from .services.lottery import lottery_publish, lottery_run
from .services.offerings import window_create

STUDENTS = 605_000
TEACHERS = 32_000
CLASS_SIZE = 45
GRADE_NAMES = "一二三四五六七八九"
WAIVERS = {"dibao": 100, "tekun": 100, "orphan": 100, "low_income": 50, "disabled": 50}
BATCH = 5000


def _grades_of(school: Organisation) -> range:
    if "中学" in school.name:
        return range(7, 10)
    if "学校" in school.name and "小学" not in school.name:
        return range(1, 10)
    return range(1, 7)


def _term(today: date) -> Term:
    year = today.year if today.month >= 8 else today.year - 1
    if today.month >= 8 or today.month == 1:
        name, start, end = f"{year}–{year + 1}学年第一学期", date(year, 9, 1), date(year + 1, 1, 22)
    else:
        name, start, end = f"{year}–{year + 1}学年第二学期", date(year + 1, 2, 16), date(year + 1, 7, 3)
    return Term.objects.get_or_create(name=name, defaults={"school_year": year, "starts_on": start, "ends_on": end})[0]


def run(ctx) -> dict[str, int]:
    """School by school: grades, pupils and their guardians, teachers, the school's offerings and
    its families' applications; only the current school is held in memory."""
    rng = ctx.rng
    today = timezone.localdate()
    now = timezone.now()
    term = _term(today)
    for cat, pct in WAIVERS.items():
        FeeWaiverRule.objects.get_or_create(category=cat, term=None, defaults={"waiver_percent": pct})
    waivers = dict(FeeWaiverRule.objects.filter(term=None).values_list("category", "waiver_percent"))
    closed = window_create(actor=None, term=term, region=ctx.city, opens_at=now - timedelta(days=20),
                           closes_at=now - timedelta(days=13), seed=None)
    schools = ctx.organisations("school")
    total = ctx.scaled(STUDENTS, minimum=len(schools) // 4 or 1)
    n_teachers = ctx.scaled(TEACHERS, minimum=len(schools))
    weights = [rng.uniform(0.5, 1.5) * len(_grades_of(s)) for s in schools]
    per_school = [int(total * w / sum(weights)) for w in weights]
    for i in range(total - sum(per_school)):
        per_school[i % len(schools)] += 1
    counts = defaultdict(int)
    w = _Writers()
    for school, n in ctx.progress(list(zip(schools, per_school, strict=True)), total=len(schools), label="schools"):
        pupils = _pupils(ctx, w, term, school, n, counts)
        guardian_of = _guardians(ctx, school, pupils, counts)
        k = max(1, round(n_teachers * n / total)) if total else 1
        teachers = _teachers(ctx, w, school, k, counts)
        w.flush()  # the offering's teachers and the applications' people are read back below
        _offerings_and_applications(ctx, w, term, closed, waivers, school, pupils, guardian_of, teachers, counts)
    w.flush()
    ctx.bar.step(f"lottery for {counts['lottery applicants']} applicants")
    summary = lottery_run(window=closed, actor=None)
    lottery_publish(window=closed, actor=None)  # families see (and are told) the results
    counts["lottery admitted (student-days)"] = summary["admitted"]
    counts["lottery waitlisted (student-days)"] = summary["waitlisted"]
    # An open window for weekend care, so the demo guardians can apply now.
    window_create(actor=None, term=term, region=ctx.city, opens_at=now - timedelta(days=1),
                  closes_at=now + timedelta(days=30))
    _sessions(ctx, term, counts)
    _ratings(ctx, term, counts)
    _staff(ctx, schools)
    counts["files imported and exported"] = _files(ctx)
    counts.pop("lottery applicants", None)
    return dict(counts)


class _Writers:
    """The part's bulk writers (core.bulk): COPY on PostgreSQL, batched INSERTs on SQLite."""

    def __init__(self) -> None:
        self.classes = BulkWriter(ClassGroup)
        self.enrolments = BulkWriter(Enrolment)
        self.teachers = BulkWriter(Teacher)
        self.applications = BulkWriter(Application)
        self.seats = BulkWriter(SeatRequest)

    def flush(self) -> None:
        for writer in (self.classes, self.enrolments, self.teachers, self.applications, self.seats):
            writer.flush()


def _pupils(ctx, w, term, school, n, counts) -> list[tuple]:
    """The school's grades, classes and pupils: (student_id, grade, family category, dual working)."""
    rng = ctx.rng
    grade_levels = list(_grades_of(school))
    grades = {lvl: Grade(school=school, level=lvl, name=f"{GRADE_NAMES[lvl - 1]}年级") for lvl in grade_levels}
    Grade.objects.bulk_create(grades.values())
    counts["grades"] += len(grades)
    if n == 0:
        return []
    start_age, end_age = grade_levels[0] + 5, grade_levels[-1] + 6
    kids = ctx.new_people(count=n, regions=[school.region_id[:6]], label="pupils",
                          birth_between=(date(term.school_year - end_age, 9, 1),
                                         date(term.school_year - start_age, 8, 31)))
    by_grade = defaultdict(list)
    for kid in kids:
        age = term.school_year - kid.birth_date.year - (1 if kid.birth_date.month >= 9 else 0)
        by_grade[min(max(age - 5, grade_levels[0]), grade_levels[-1])].append(kid)
    pupils = []
    for lvl, members in by_grade.items():
        n_classes = max(1, round(len(members) / CLASS_SIZE))
        groups = [w.classes.add(ClassGroup(school=school, grade=grades[lvl], school_year=term.school_year,
                                           number=k + 1, name=f"{GRADE_NAMES[lvl - 1]}（{k + 1}）班"))
                  for k in range(n_classes)]
        counts["classes"] += n_classes
        for j, kid in enumerate(members):
            r = rng.random()
            category = ("dibao" if r < 0.03 else "tekun" if r < 0.04 else "low_income" if r < 0.08
                        else "disabled" if r < 0.09 else "")
            dual = rng.random() < 0.6
            w.enrolments.insert(student_id=kid.pk, class_group_id=groups[j % n_classes].pk, school_id=school.pk,
                                school_year=term.school_year, grade_level=lvl, family_category=category,
                                dual_working=dual)
            pupils.append((kid, lvl, category, dual))
    counts["students"] += len(pupils)
    return pupils


def _guardians(ctx, school, pupils, counts) -> dict[int, tuple[int, int | None]]:
    """One or two guardians per family; about one family in ten has two children at the school.
    Returns each pupil's first guardian: {student_id: (guardian_id, guardian's account id)}."""
    rng = ctx.rng
    kids = [p[0] for p in pupils]
    families, i = [], 0
    while i < len(kids):
        size = 2 if rng.random() < 0.1 and i + 1 < len(kids) else 1
        families.append(kids[i:i + size])
        i += size
    n_guardians = [2 if rng.random() < 0.3 else 1 for _ in families]
    with_account = [rng.random() < 0.5 for _ in families]
    need_acc = sum(g for g, a in zip(n_guardians, with_account, strict=True) if a)
    need_plain = sum(n_guardians) - need_acc
    region = [school.region_id[:6]]
    adults = (date(1975, 1, 1), date(1996, 12, 31))
    acc = iter(ctx.new_people(count=need_acc, regions=region, birth_between=adults, with_accounts=True,
                              label="guardians") if need_acc else [])
    plain = iter(ctx.new_people(count=need_plain, regions=region, birth_between=adults, label="guardians")
                 if need_plain else [])
    people = ctx.people_writer()
    guardian_of: dict[int, tuple[int, int | None]] = {}
    relations = 0
    for family, n, has_acc in zip(families, n_guardians, with_account, strict=True):
        for _k in range(n):
            adult = next(acc if has_acc else plain)
            for kid in family:
                people.relation(person=adult, relative=kid, kind="guardian",
                                detail="母亲" if adult.sex == "F" else "父亲")
                guardian_of.setdefault(kid.pk, (adult.pk, adult.user_id))
                relations += 1
    counts["guardians"] += sum(n_guardians)
    counts["guardian relations"] += relations
    return guardian_of


SUBJECTS = ["语文", "数学", "英语", "体育", "音乐", "美术", "科学", "信息技术", "道德与法治"]


def _teachers(ctx, w, school, k, counts) -> list[int]:
    rng = ctx.rng
    people = ctx.new_people(count=k, regions=[school.region_id[:6]], label="teachers",
                            birth_between=(date(1966, 1, 1), date(2001, 1, 1)), with_accounts=True)
    ids = [w.teachers.insert(person_id=p.pk, school_id=school.pk, subjects=rng.choice(SUBJECTS),
                             party_member=rng.random() < 0.38).pk for p in people]
    counts["teachers"] += len(ids)
    return ids


def _offerings_and_applications(ctx, w, term, closed, waivers, school, pupils, guardian_of, teachers,
                                counts) -> None:
    rng = ctx.rng
    lottery = rng.random() < 0.4
    capacity = max(1, int(len(pupils) * (0.85 if lottery else 1.0)))
    offering = Offering.objects.create(
        term=term, title=f"{school.name}课后服务（作业辅导）", kind="weekday", activity="homework", host=school,
        school=school, region_id=school.region_id, weekdays=[0, 1, 2, 3, 4], start_time=time(15, 40),
        end_time=time(17, 40), capacity=capacity, grade_min=min(_grades_of(school)),
        grade_max=max(_grades_of(school)), fee=Decimal("300"), allocation="lottery" if lottery else "first_come")
    days = OfferingDay.objects.bulk_create([OfferingDay(offering=offering, weekday=d, capacity=capacity)
                                            for d in range(5)])
    offering.teachers.set(teachers[: max(1, int(len(teachers) * 0.9))])
    Offering.objects.create(
        term=term, title=f"{school.name}周末托管（体育）", kind="weekend", activity="sports", host=school,
        school=school, region_id=school.region_id, weekdays=[5], start_time=time(9, 0), end_time=time(11, 30),
        capacity=max(1, len(pupils) // 10), grade_min=min(_grades_of(school)),
        grade_max=max(_grades_of(school)), fee=Decimal("0"), allocation="first_come").days.create(
            weekday=5, capacity=max(1, len(pupils) // 10))
    counts["offerings"] += 2
    taken = [0] * 5
    state = "submitted" if lottery else "admitted"
    seat_state = "pending" if lottery else "admitted"
    for kid, grade_level, category, dual in pupils:
        if rng.random() > 0.93 or kid.pk not in guardian_of:
            continue
        chosen = [d for d in range(5) if rng.random() < 0.9] or [rng.randrange(5)]
        if not lottery and any(taken[d] >= capacity for d in chosen):
            continue
        for d in chosen:
            taken[d] += 0 if lottery else 1
        waiver = waivers.get(category, 0)
        guardian_id, user_id = guardian_of[kid.pk]
        app = w.applications.insert(
            reference=new_reference(), student_id=kid.pk, guardian_id=guardian_id,
            submitted_by_id=user_id, offering_id=offering.pk, window_id=closed.pk, school_id=school.pk,
            grade_level=grade_level, dual_working=dual, state=state,
            idempotency_key=f"demo-{kid.pk}", waiver_percent=waiver,
            fee_due=fee_after_waiver(fee=offering.fee, waiver=waiver))
        for d in chosen:
            w.seats.insert(application_id=app.pk, day_id=days[d].pk, weekday=d, state=seat_state)
        counts["applications"] += 1
        counts["seat requests"] += len(chosen)
        counts["lottery applicants"] += lottery
    if not lottery:
        for d in days:
            d.taken = taken[d.weekday]
        OfferingDay.objects.bulk_update(days, ["taken"])


COMPLAINTS = ["接孩子时交接不清楚", "作业辅导时间太短", "活动内容单一", "老师更换太频繁"]


def _ratings(ctx, term, counts) -> None:
    """Guardians' ratings of a sample of held places (most satisfied). The good ones are written in
    bulk (the rows the ratings service writes); each bad one goes through the service, so that it
    opens its follow-up case for the school. None before the term begins (none can be given)."""
    from django.contrib.contenttypes.models import ContentType

    from minsheng.core.errors import DomainError
    from minsheng.ratings.models import Rating

    from .services.satisfaction import application_rate

    if timezone.localdate() < term.starts_on:
        return
    rng = ctx.rng
    held = (Application.objects.filter(offering__term=term, state__in=["admitted", "accepted"],
                                       submitted_by__isnull=False)
            .values_list("pk", "submitted_by_id", "offering__host_id", "offering__host__region_id",
                         "offering__kind").order_by("pk"))
    share = min(1.0, max(0.02, 60 / max(held.count(), 1)))  # a small demo still shows some ratings
    content_type = ContentType.objects.get_for_model(Application)
    good, bad = [], []
    for pk, user_id, host_id, region_id, kind in held.iterator(chunk_size=10_000):
        if rng.random() >= share:
            continue
        r = rng.random()
        level = 5 if r < 0.6 else 4 if r < 0.85 else 3 if r < 0.93 else 2 if r < 0.98 else 1
        if level >= 3:
            good.append(Rating(rater_id=user_id, target_type=content_type, target_id=str(pk), organisation_id=host_id,
                               service_key=f"after_school.{kind}", region_id=region_id, level=level))
        else:
            bad.append((pk, user_id, level))
    Rating.objects.bulk_create(good, batch_size=BATCH, ignore_conflicts=True)
    users = User.objects.in_bulk([u for _pk, u, _l in bad])
    for pk, user_id, level in bad:
        try:
            application_rate(guardian_user=users[user_id], application_id=pk, level=level,
                             comment=rng.choice(COMPLAINTS))
        except DomainError:  # rated on an earlier run of the demo
            continue
    counts["parent ratings"] += len(good) + len(bad)


def _sessions(ctx, term, counts) -> None:
    """The last school week's sessions, held, with attendance for a sample of schools."""
    from .models import Attendance, Session

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    rng = ctx.rng
    offerings = list(Offering.objects.filter(term=term, kind="weekday").prefetch_related("teachers"))
    sessions = []
    for o in offerings:
        ts = list(o.teachers.all())
        for d in range(5):
            sessions.append(Session(offering=o, date=monday + timedelta(days=d), state="held",
                                    teacher=ts[d % len(ts)] if ts else None))
        # and today's/this week's, scheduled
        for d in range(5):
            sessions.append(Session(offering=o, date=monday + timedelta(days=7 + d),
                                    teacher=ts[d % len(ts)] if ts else None))
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    counts["sessions"] += len(sessions)
    sample = {o.pk for o in offerings if rng.random() < min(1.0, 0.05 / max(ctx.scale, 0.0001))}
    held = [s for s in sessions if s.state == "held" and s.offering_id in sample]
    seated = defaultdict(list)
    for oid, wd, sid in SeatRequest.objects.filter(application__offering_id__in=sample, state="admitted").values_list(
            "application__offering_id", "weekday", "application__student_id"):
        seated[(oid, wd)].append(sid)
    marked_at = timezone.make_aware(datetime.combine(monday, time(16, 0)))
    rows = []
    for s in held:
        for sid in seated[(s.offering_id, s.date.weekday())]:
            r = rng.random()
            rows.append(Attendance(session=s, student_id=sid, marked_at=marked_at,
                                   status="present" if r < 0.95 else "leave" if r < 0.98 else "absent"))
    Attendance.objects.bulk_create(rows, batch_size=BATCH)
    counts["attendance marks"] += len(rows)


def _staff(ctx, schools) -> None:
    """The demo mother's child (the accounts themselves: demo_accounts.py)."""
    # The demo citizen 王芳 is the guardian of a pupil, so signing in shows a child to apply for.
    from minsheng.identity.crypto import keyed_hash
    from minsheng.identity.models import Person

    mother = Person.objects.filter(phone_hash=keyed_hash("13900000002"), user__isnull=False).first()
    pupil = Enrolment.objects.order_by("pk").first()
    if mother is not None and pupil is not None:
        PersonRelation.objects.get_or_create(person=mother, relative_id=pupil.student_id, kind="guardian",
                                             defaults={"detail": "母亲"})


def _files(ctx) -> int:
    """The school administrator's dry run of a teachers' roster (one row with a wrong ID number)
    and the education supervisor's export of the supervision figures: the pages that follow
    an import or a long export (imports/<id>/, imports/exports/<id>/) then have something to show."""
    from django.core.files.base import ContentFile

    from minsheng.demo.accounts import demo_account
    from minsheng.imports.exports import export_run_by_id, export_start
    from minsheng.imports.services import import_run, import_start

    from .demo_accounts import demo_school
    from .exports import SUPERVISION

    school = demo_school(ctx)
    if school is None or not school.credit_code:
        return 0
    admin = demo_account(ctx, "school_admin_1")
    good = ctx.id_number(area="320706", birth=date(1988, 5, 4), sex="F")
    roster = ("学校统一社会信用代码,姓名,身份证号,手机号,任教学科\n"
              f"{school.credit_code},{ctx.person_name('F')},{good},,美术\n"
              f"{school.credit_code},{ctx.person_name('M')},32070619880504123,,体育\n")
    upload = ContentFile(roster.encode("utf-8"), name="教师名册.csv")
    import_run(import_start(importer_key="after_school.teachers", file=upload, dry_run=True, actor=admin))
    supervisor = demo_account(ctx, "education_supervisor")
    params = {"by": "district"}
    total = len(list(SUPERVISION.rows(user=supervisor, params=params)))
    export_run_by_id(job_id=export_start(actor=supervisor, export=SUPERVISION, fmt="xlsx", params=params,
                                         total=total).pk)
    return 2
