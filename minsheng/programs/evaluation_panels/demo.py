"""Demo city: last year's projects evaluated and graded, this year's ideas, vote and projects in
progress, and a pool of volunteers (a few thousand at full scale). Idempotent: skipped when present."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from minsheng.demo.accounts import demo_account

from . import services
from .models import (
    CandidateProject,
    Category,
    Criterion,
    Cycle,
    CycleStatus,
    Evaluation,
    Milestone,
    PanelSeat,
    Rubric,
    Scorecard,
    Volunteer,
)

CATEGORIES = ["教育", "医疗卫生", "养老服务", "交通出行", "城乡建设", "生态环境", "就业创业", "文化体育", "食品安全", "社会保障"]
UNITS = {"教育": "education", "医疗卫生": "medical_insurance", "养老服务": "civil_affairs", "交通出行": "housing",
         "城乡建设": "housing", "生态环境": "housing", "就业创业": "human_resources", "文化体育": "education",
         "食品安全": "market_regulation", "社会保障": "human_resources"}
ITEMS = {
    "教育": ["新建改扩建中小学校", "校园食堂“明厨亮灶”", "课后服务全覆盖", "学前教育学位扩充", "校车安全提升"],
    "医疗卫生": ["社区卫生服务中心提档升级", "家庭医生签约服务", "120急救网络完善", "医保服务站进社区", "两癌免费筛查"],
    "养老服务": ["居家养老服务", "社区助餐点建设", "适老化改造", "养老护理员培训", "农村互助养老"],
    "交通出行": ["四好农村路", "新增公交线路", "城市停车泊位", "慢行步道建设", "公交候车亭改造"],
    "城乡建设": ["老旧小区改造", "背街小巷整治", "城市排水防涝", "农村供水保障", "公厕提升"],
    "生态环境": ["口袋公园建设", "黑臭水体治理", "城市绿道", "垃圾分类", "河道清淤"],
    "就业创业": ["高校毕业生就业", "零工市场建设", "职业技能培训", "创业担保贷款", "就业困难人员援助"],
    "文化体育": ["全民健身场地", "农家书屋提升", "公共文化服务", "社区体育公园", "文化惠民演出"],
    "食品安全": ["农贸市场改造", "食品快检室", "放心消费示范", "校园食品安全", "餐饮油烟治理"],
    "社会保障": ["困难群众救助", "残疾人康复", "住房保障", "退役军人服务", "未成年人保护"],
}


def _tz(y, m, d, h=9):
    return timezone.make_aware(datetime(y, m, d, h, 0))


def _rubric():
    r, created = Rubric.objects.get_or_create(name="群众评议实地调研测评表", defaults={"is_default": True})
    if created:
        for i, (name, w) in enumerate([("项目完成度", 30), ("工程（服务）质量", 30), ("群众受益程度", 25), ("资金使用与管理", 15)]):
            Criterion.objects.create(rubric=r, name=name, weight=w, max_score=10, order=i)
    return r


def _volunteers(ctx, n):
    people = ctx.people_objects(
        ctx.new_people(count=n, with_accounts=True, birth_between=(date(1955, 1, 1), date(2004, 12, 31))))
    companies = ctx.organisations("company")[:50]
    start = Volunteer.objects.count()
    occupations = ["教师", "退休职工", "个体工商户", "医生", "社区工作者", "企业职员", "农民", "律师", "媒体记者", "学生"]
    rows = []
    for i, p in enumerate(people):
        rows.append(Volunteer(
            person=p, number=f"V{start + i + 1:07d}", district_id=p.residence_region.code[:6],
            occupation=ctx.rng.choice(occupations),
            employer=ctx.rng.choice(companies) if companies and ctx.rng.random() < 0.1 else None,
        ))
    Volunteer.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _evaluate(ctx, project, starts, organiser, profile):
    """A real draw, check-ins and scorecards, then the published result."""
    size = 15
    ev = services.evaluation_create(project=project, place=f"{project.region.name}项目现场", starts_at=starts,
                                    ends_at=starts + timedelta(hours=3), panel_size=size, actor=organiser)
    services.evaluation_publish_candidates(evaluation=ev, actor=organiser, seed=f"demo-{ctx.seed}-{project.pk}-{ev.round}")
    services.evaluation_run_draw(evaluation=ev, actor=organiser)
    seats = list(ev.seats.all())
    present = [s for s in seats if ctx.rng.random() < 0.9]
    PanelSeat.objects.filter(pk__in=[s.pk for s in present]).update(checked_in_at=starts, status="accepted", has_scored=True)
    crit = list(ev.rubric.criteria.all())
    reasons = ["部分路段仍有积水", "宣传不够，群众知晓率低", "工期有所延误", "后期管护需加强", "服务时间偏短"]
    cards = []
    for _s in present:
        roll = ctx.rng.random()
        overall = "satisfied" if roll < profile[0] else "basic" if roll < profile[0] + profile[1] else "dissatisfied"
        base = {"satisfied": 9, "basic": 7, "dissatisfied": 5}[overall]
        scores = {str(c.id): max(0, min(10, base + ctx.rng.randint(-1, 1))) for c in crit}
        from .services.grading import weighted_score

        cards.append(Scorecard(evaluation=ev, overall=overall, scores=scores,
                               weighted_score=weighted_score(scores=scores, criteria=[(c.id, c.weight, c.max_score) for c in crit]),
                               comment="" if overall == "satisfied" else ctx.rng.choice(reasons)))
    Scorecard.objects.bulk_create(cards)
    Evaluation.objects.filter(pk=ev.pk).update(status="open")
    services.evaluation_close(evaluation=ev, actor=organiser)
    return services.evaluation_publish(evaluation=ev, actor=organiser)


def run(ctx) -> dict[str, int]:
    if Cycle.objects.filter(year=2025).exists():
        ctx.log("evaluation panels: already present, skipped")
        return {}
    counts = {}
    organiser = demo_account(ctx, "panel_organiser")  # the organiser acts in the services below
    _rubric()
    cats = {name: Category.objects.get_or_create(name=name, defaults={"order": i})[0] for i, name in enumerate(CATEGORIES)}
    counts["volunteers"] = _volunteers(ctx, ctx.scaled(3000, minimum=150))
    counties = [r for r in ctx.city.children.filter(level="county", is_statistical=False).order_by("code")]
    contractors = ctx.organisations("company")[:30]

    def make_projects(cycle, per_category):
        out = []
        n = 0
        for cat, items in ITEMS.items():
            for title in items[:per_category]:
                n += 1
                unit = ctx.department(UNITS[cat])
                co = [ctx.department(c) for c in {"housing", "civil_affairs"} - {UNITS[cat]}][:1]
                y = cycle.year
                p = services.project_create(
                    cycle=cycle, title=f"{y}年{title}", category=cats[cat], lead_unit=unit, co_units=co,
                    region=ctx.rng.choice(counties) if ctx.rng.random() < 0.6 else ctx.city, actor=organiser,
                    budget=Decimal(ctx.rng.randint(200, 20000)) / 10, number=str(n),
                    targets=f"年底前完成{title}全部建设任务，惠及群众{ctx.rng.randint(1, 50)}万人。",
                    contractors=[ctx.rng.choice(contractors)] if contractors else [],
                    milestones=[("完成立项和方案设计", date(y, 3, 31)), ("开工建设", date(y, 5, 31)),
                                ("完成年度进度过半", date(y, 8, 31)), ("全面完成并验收", date(y, 11, 30))],
                )
                out.append(p)
        return out

    # Last year: all delivered, evaluated, graded; a few needed rectification.
    last = Cycle.objects.create(year=2025, title="2025年连云港市民生实事项目", status=CycleStatus.CLOSED, places=50)
    per_cat = 5 if ctx.scale >= 0.2 else 2
    projects = make_projects(last, per_cat)
    for p in ctx.progress(projects, total=len(projects), label="2025 projects"):
        late = ctx.rng.random() < 0.15
        for m in p.milestones.all():
            Milestone.objects.filter(pk=m.pk).update(done_on=m.due_on + timedelta(days=ctx.rng.randint(5, 25) if late else -ctx.rng.randint(0, 10)))
        services.progress_report_submit(project=p, percent_done=100, text="项目已全面完成并通过验收。", actor=organiser,
                                        reported_at=_tz(2025, 11, 28))
        profile = (0.55, 0.25) if ctx.rng.random() < 0.12 else (0.88, 0.10)
        _evaluate(ctx, p, _tz(2025, 12, ctx.rng.randint(1, 20)), organiser, profile)
    counts["projects_2025"] = len(projects)

    # This year: ideas, screening, a 差额 vote, projects in progress.
    cur = Cycle.objects.create(year=2026, title="2026年连云港市民生实事项目", status=CycleStatus.SOLICITING, places=10)
    supporters = list(Volunteer.objects.select_related("person__user")[:200])
    ideas = []
    for i in range(ctx.scaled(108, minimum=20)):
        cat = CATEGORIES[i % 10]
        title = f"{ITEMS[cat][i % 5]}（建议{i + 1}）"
        idea = services.idea_submit(cycle=cur, title=title, description=f"建议{title}，解决群众急难愁盼。",
                                    source="public" if i % 3 else "department", category=cats[cat],
                                    organisation=None if i % 3 else ctx.department(UNITS[cat]),
                                    user=supporters[i % len(supporters)].person.user)
        for v in ctx.rng.sample(supporters, k=min(len(supporters), ctx.rng.randint(0, 30))):
            services.idea_support(idea=idea, user=v.person.user)
        ideas.append(idea)
    ideas.sort(key=lambda x: -_support_count(x))
    for i, idea in enumerate(ideas):
        accept = i < 13
        services.idea_screen(idea=idea, accept=accept, actor=organiser,
                             reason="符合年度重点，资金可落实。" if accept else "已纳入部门常规工作，不列入本年度候选。",
                             lead_unit=ctx.department(UNITS[idea.category.name]) if accept else None,
                             budget=Decimal(ctx.rng.randint(500, 5000)))
    cur.status = CycleStatus.SCREENING
    cur.save(update_fields=["status"])
    delegates = ctx.people_objects(ctx.new_people(count=ctx.scaled(385, minimum=30), with_accounts=True))
    vote = services.vote_open(cycle=cur, candidates=list(CandidateProject.objects.filter(cycle=cur)),
                              delegates=[p.user for p in delegates], actor=organiser)
    cands = list(vote.candidates.order_by("order"))
    weights = [len(cands) - i + ctx.rng.random() * 4 for i in range(len(cands))]
    for p in ctx.progress(delegates, total=len(delegates), label="ballots"):
        chosen = set()
        while len(chosen) < vote.places:
            chosen.add(ctx.rng.choices(cands, weights=weights)[0].id)
        services.ballot_cast(vote=vote, user=p.user, candidate_ids=list(chosen))
    vote = services.vote_tally(vote=vote, actor=organiser)
    services.vote_publish(vote=vote, actor=organiser)
    if any(r["tied"] for r in vote.result):  # the run-off among the tied, as the congress would hold
        runoff = services.vote_runoff_open(vote=vote, actor=organiser)
        tied = list(runoff.candidates.all())
        for p in delegates:
            services.ballot_cast(vote=runoff, user=p.user, candidate_ids=[c.id for c in ctx.rng.sample(tied, runoff.places)])
        services.vote_publish(vote=services.vote_tally(vote=runoff, actor=organiser), actor=organiser)
    current = make_projects(cur, per_cat)
    today = timezone.localdate()
    for p in current:
        for m in p.milestones.filter(due_on__lt=today):
            if ctx.rng.random() < 0.8:
                Milestone.objects.filter(pk=m.pk).update(done_on=m.due_on - timedelta(days=ctx.rng.randint(0, 7)))
        services.progress_report_submit(project=p, percent_done=ctx.rng.randint(10, 70), text="按序时推进，已完成主体工程招标。",
                                        actor=organiser)
    counts["projects_2026"] = len(current)
    counts["ideas"] = len(ideas)
    counts["ballots"] = vote.ballots_cast
    services.milestones_flag_overdue()
    counts["ideas for next year"] = _next_year(ctx, cats, supporters, organiser)
    counts["evaluations today"] = _today(ctx, current, organiser)
    return counts


def _today(ctx, projects, organiser) -> int:
    """One project's evaluation on site today, its panel drawn: the organiser's page shows the
    check-in QR code (and its address), the members check in and score."""
    if not projects:
        return 0
    now = timezone.now()
    project = projects[0]
    ev = services.evaluation_create(project=project, place=f"{project.region.name}项目现场", starts_at=now - timedelta(hours=1),
                                    ends_at=now + timedelta(hours=2), panel_size=15, actor=organiser)
    services.evaluation_publish_candidates(evaluation=ev, actor=organiser, seed=f"demo-{ctx.seed}-{project.pk}-today")
    services.evaluation_run_draw(evaluation=ev, actor=organiser)
    return 1


def _next_year(ctx, cats, supporters, organiser) -> int:
    """Next year's cycle collecting ideas (as a city does in the winter), with a few already
    in: the demo citizens can propose and support ideas ("Propose an idea")."""
    year = 2027  # the demo's years are fixed: 2025 done, 2026 under way
    cycle = Cycle.objects.create(year=year, title=f"{year}年连云港市民生实事项目", status=CycleStatus.SOLICITING,
                                 places=10)
    for i in range(3):
        cat = CATEGORIES[(i * 3) % 10]
        title = f"{ITEMS[cat][(i + 2) % 5]}（{year}年建议{i + 1}）"
        idea = services.idea_submit(cycle=cycle, title=title, description=f"建议{title}，解决群众急难愁盼。",
                                    source="public", category=cats[cat], user=supporters[i % len(supporters)].person.user)
        for v in supporters[i + 1:i + 1 + 5 * (3 - i)]:
            services.idea_support(idea=idea, user=v.person.user)
    # A department's proposal already on next year's ballot (the organiser adds these beside the
    # public's ideas): its cycle's page lists a candidate the organiser can change.
    cat = CATEGORIES[1]
    services.candidate_save(cycle=cycle, title=f"{year}年{ITEMS[cat][0]}", category=cats[cat],
                            description="部门提出的年度民生实事建议。", lead_unit=ctx.department(UNITS[cat]),
                            budget=Decimal(1200), actor=organiser)
    return 3


def _support_count(idea) -> int:
    idea.refresh_from_db(fields=["support_count"])
    return idea.support_count
