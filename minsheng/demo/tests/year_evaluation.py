"""The year in the life's evaluation-panel part (群众评议团): from the city's rubric in /admin/ to a
project re-evaluated after rectification.

The city administrator keeps the project category and the scoring rubric in /admin/ and invites
the panel office's organiser (at the city's people's congress) and the lead unit's officer on
/workbench/staff/. The organiser opens the year's cycle; citizens propose ideas (two through the
API, one on the portal at phone size); the organiser screens them and runs the delegates' vote
(the delegates vote through the API); the elected candidate becomes a project with a milestone.
Volunteers who signed in once and then signed up on paper at the community office are enrolled
on the pool page; a panel is drawn for an on-site evaluation; its members check in with the site
QR code and score through the API; the organiser closes the session and publishes the result,
which orders rectification. The lead unit reports with evidence, the organiser schedules the
re-evaluation, a newly drawn panel rates the project satisfied and the result is published: the
order is closed and the public project page shows the grade.

Repeated citizen actions (sign-in, ideas, ballots, check-in, scorecards) go through the API with
the citizens' tokens; everything the staff do is a page. The clock moves with time-machine.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import requests
from django.utils import timezone

from minsheng.access.models import Organisation
from minsheng.core import sms
from minsheng.identity.idnumbers import id_number_make

P = "/p/evaluation_panels"
YEAR = 2027

# The panel office and the lead unit (their organisations are in the test's ORGANISATIONS).
ORGANISER = ("13800000401", "任评议", "panel_organiser", "连云港市人民代表大会常务委员会")
UNIT_OFFICER = ("13800000402", "住建小孙", "project_unit_officer", "海州区住房和城乡建设局")
LEAD_UNIT = "海州区住房和城乡建设局"

IDEAS = [  # (phone, name, title, description); the last one is proposed on the portal
    ("13900000411", "钱晓", "老旧小区加装电梯", "海州区多层住宅老人上下楼困难，建议加装电梯。"),
    ("13900000412", "孙悦", "背街小巷路灯", "新海街道背街小巷夜间无照明，建议安装路灯。"),
    ("13900000413", "李强", "社区口袋公园", "建议利用闲置地块建设口袋公园，方便居民休闲。"),
]
DELEGATES = [("13900000421", "人大代表甲"), ("13900000422", "人大代表乙"), ("13900000423", "人大代表丙")]
# Volunteers who signed in once, then signed up on paper: (phone, name, birth date). 35–49 in 2027,
# living in 海州区: one stratum, so the two panels of three take all six.
VOLUNTEERS = [
    ("13900000431", "周桂兰", date(1980, 3, 9)), ("13900000432", "吴建国", date(1981, 6, 1)),
    ("13900000433", "郑秀英", date(1982, 9, 12)), ("13900000434", "王立新", date(1983, 1, 20)),
    ("13900000435", "冯海燕", date(1984, 5, 5)), ("13900000436", "陈志强", date(1985, 11, 30)),
]
TOWN = "320706006"  # 新海街道, where the volunteers live


def _send(page, selector: str):
    """Submit the form and wait for the answer; the page must not refuse it."""
    page.locator(f"{selector} [type=submit]").last.click()
    page.wait_for_load_state()
    refused = page.locator(".invalid-feedback, .alert-danger, .errorlist")
    assert refused.count() == 0, page.locator("main").inner_text()[:1500]


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


class Api:
    """One citizen's API client: signs in with the SMS code and keeps the token."""

    def __init__(self, base_url: str, clock, phone: str, name: str):
        self.base, self.phone = base_url + "/api/v1", phone
        clock.shift(timedelta(seconds=16))  # the code endpoint takes 5 a minute from one address
        r = requests.post(f"{self.base}/identity/otp", json={"phone": phone}, timeout=30)
        assert r.status_code == 202, r.text
        code = [m for m in sms.outbox if m.phone == phone][-1].code
        r = requests.post(f"{self.base}/identity/token", json={"phone": phone, "code": code, "name": name}, timeout=30)
        assert r.status_code == 201, r.text
        self.headers = {"Authorization": f"Token {r.json()['token']}"}

    def post(self, path: str, payload=None, *, expect: int = 200, **params):
        r = requests.post(f"{self.base}{path}", json=payload, params=params, headers=self.headers, timeout=30)
        assert r.status_code == expect, (path, r.status_code, r.text)
        return r.json()

    def get(self, path: str):
        r = requests.get(f"{self.base}{path}", headers=self.headers, timeout=30)
        assert r.status_code == 200, (path, r.text)
        return r.json()


def _account(phone: str):
    from minsheng.identity.crypto import keyed_hash
    from minsheng.identity.models import User

    return User.objects.get(phone_hash=keyed_hash(phone))


def _png(path: Path) -> Path:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (40, 120, 60)).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def _reference_data_in_admin(j, admin_page):
    """Project categories and the scoring rubric are city-wide reference data: /admin/."""
    with j.step("evaluation set-up"):
        admin_page.goto(f"{P.replace('/p/', '/admin/')}/category/add/")
        admin_page.fill("[name=name]", "城乡建设")
        admin_page.click("[name=_save]")
        admin_page.wait_for_load_state()
        admin_page.goto(f"{P.replace('/p/', '/admin/')}/rubric/add/")
        admin_page.fill("[name=name]", "民生实事项目现场测评表")
        admin_page.check("[name=is_default]")
        admin_page.click("[name=_save]")
        admin_page.wait_for_load_state()
        from minsheng.programs.evaluation_panels.models import Rubric

        rubric = Rubric.objects.get(name="民生实事项目现场测评表")
        for order, (name, weight) in enumerate((("工程质量", "0.6"), ("群众受益", "0.4")), start=1):
            admin_page.goto(f"{P.replace('/p/', '/admin/')}/criterion/add/")
            admin_page.select_option("[name=rubric]", str(rubric.pk))
            admin_page.fill("[name=name]", name)
            admin_page.fill("[name=weight]", weight)
            admin_page.fill("[name=max_score]", "10")
            admin_page.fill("[name=order]", str(order))
            admin_page.click("[name=_save]")
            admin_page.wait_for_load_state()
    assert rubric.is_default and rubric.criteria.count() == 2
    return rubric


def _cycle_and_ideas(j, clock, *, organiser_page, citizen_page_for, base_url):
    from minsheng.programs.evaluation_panels.models import Cycle, Idea

    today = timezone.localdate()
    with j.step("evaluation cycle"):
        organiser_page.goto(f"{P}/manage/cycles/")
        form = organiser_page.locator("form[data-test=cycle-new]")
        form.locator("[name=year]").fill(str(YEAR))
        form.locator("[name=title]").fill(f"{YEAR}年连云港市民生实事项目")
        form.locator("[name=places]").fill("1")
        form.locator("[name=ideas_open_until]").fill(str(today + timedelta(days=7)))
        form.locator("[name=vote_on]").fill(str(today + timedelta(days=10)))
        form.locator("[name=evaluations_from]").fill(str(today + timedelta(days=20)))
        form.locator("[name=evaluations_until]").fill(str(today + timedelta(days=120)))
        _send(organiser_page, "form[data-test=cycle-new]")
    cycle = Cycle.objects.get(year=YEAR)

    citizens = {}
    with j.step("citizens propose ideas"):
        for phone, name, title, description in IDEAS[:2]:
            citizens[phone] = api = Api(base_url, clock, phone, name)
            api.post("/evaluation_panels/ideas", {"title": title, "description": description}, expect=201)
        phone, name, title, description = IDEAS[2]
        Api(base_url, clock, phone, name)  # signed in once; then proposes on the portal at phone size
        page = citizen_page_for(phone)
        page.goto(f"{P}/ideas/new/")
        page.fill("main form [name=title]", title)
        page.fill("main form [name=description]", description)
        page.locator("main form [type=submit]").last.click()
        page.wait_for_load_state()
    assert Idea.objects.filter(cycle=cycle).count() == 3
    from minsheng.demo.journeys import fits_the_phone

    assert fits_the_phone(page)
    return cycle


def _screen_and_vote(j, clock, *, organiser_page, cycle, base_url):
    from minsheng.programs.evaluation_panels.models import (
        CandidateProject,
        CycleStatus,
        DelegateVote,
        Idea,
    )

    unit = Organisation.objects.get(name=LEAD_UNIT)
    with j.step("screening"):
        organiser_page.goto(f"{P}/manage/cycles/{cycle.pk}/")
        organiser_page.click("[data-test=screen]")
        organiser_page.locator("#ms-confirm-screen [data-confirm-submit]").click()
        organiser_page.wait_for_load_state()
        organiser_page.goto(f"{P}/manage/cycles/{cycle.pk}/ideas/")
        for title, decision, budget in (("老旧小区加装电梯", "accept", "860"), ("背街小巷路灯", "accept", "120"),
                                        ("社区口袋公园", "reject", "")):  # each decision returns to the list
            idea = Idea.objects.get(cycle=cycle, title=title)
            box = organiser_page.locator(f"[data-test=idea-{idea.pk}]")
            box.locator(f"[name=i{idea.pk}-decision][value={decision}]").check()
            box.locator(f"[name=i{idea.pk}-reason]").fill("符合年度重点" if decision == "accept" else "已列入部门常规工作")
            if decision == "accept":
                box.locator(f"[name=i{idea.pk}-lead_unit]").select_option(str(unit.pk))
                box.locator(f"[name=i{idea.pk}-budget]").fill(budget)
            _send(organiser_page, f"[data-test=idea-{idea.pk}] form")
    assert cycle.candidates.count() == 2
    assert _phase(cycle) == CycleStatus.SCREENING

    delegates = [Api(base_url, clock, phone, name) for phone, name in DELEGATES]
    with j.step("delegates' vote"):
        organiser_page.goto(f"{P}/manage/cycles/{cycle.pk}/vote/")
        form = organiser_page.locator("form[data-test=vote-open]")
        form.locator("[name=places]").fill("1")
        form.locator("[name=delegate_phones]").fill("\n".join(phone for phone, _n in DELEGATES))
        _send(organiser_page, "form[data-test=vote-open]")
        vote = DelegateVote.objects.get(cycle=cycle)
        lift = CandidateProject.objects.get(cycle=cycle, title="老旧小区加装电梯")
        lights = CandidateProject.objects.get(cycle=cycle, title="背街小巷路灯")
        for api, choice in zip(delegates, (lift, lift, lights), strict=True):
            api.post(f"/evaluation_panels/votes/{vote.pk}/ballot", {"candidates": [choice.pk]})
        organiser_page.goto(f"{P}/manage/cycles/{cycle.pk}/vote/")
        organiser_page.locator("[data-test=vote-1] button[value=tally]").click()
        organiser_page.wait_for_load_state()
        organiser_page.locator("[data-test=vote-1] button[value=publish]").click()
        organiser_page.wait_for_load_state()
        made = organiser_page.locator("[data-test=elected] form")
        made.locator("[name=region]").select_option("320706")
        made.locator("[name=category]").select_option(label="城乡建设")
        _send(organiser_page, "[data-test=elected] form")
    assert _phase(cycle) == CycleStatus.DECIDED
    return lift


def _phase(cycle) -> str:
    cycle.refresh_from_db()
    return cycle.status


def _milestone_and_pool(j, clock, *, organiser_page, project, base_url):
    from minsheng.programs.evaluation_panels.models import Volunteer

    with j.step("milestone"):
        organiser_page.goto(f"{P}/manage/projects/{project.pk}/milestones/")
        form = organiser_page.locator("form[data-test=milestone-form]")
        form.locator("[name=title]").fill("完成首批20台电梯安装")
        form.locator("[name=due_on]").fill(str(timezone.localdate() + timedelta(days=30)))
        _send(organiser_page, "form[data-test=milestone-form]")
    assert project.milestones.count() == 1

    members = {phone: Api(base_url, clock, phone, name) for phone, name, _b in VOLUNTEERS}
    with j.step("volunteers enrolled"):
        organiser_page.goto(f"{P}/manage/volunteers/")
        for n, (phone, name, birth) in enumerate(VOLUNTEERS, start=1):  # each enrolment returns to the pool page
            organiser_page.click("[data-test=volunteer-enrol-card] summary")
            form = organiser_page.locator("form[data-test=volunteer-enrol]")
            form.locator("[name=name]").fill(name)
            form.locator("[name=phone]").fill(phone)
            form.locator("[name=id_number]").fill(id_number_make(region_code="320706", birth_date=birth, sequence=400 + n))
            form.locator("[name=residence_region]").select_option(TOWN)
            form.locator("[name=occupation]").fill("社区居民")
            form.locator("[name=consent]").check()
            _send(organiser_page, "form[data-test=volunteer-enrol]")
    pool = Volunteer.objects.filter(person__user__isnull=False, consent_at__isnull=False, district_id="320706")
    assert pool.count() == len(VOLUNTEERS)
    from minsheng.demo.journeys import fits_the_phone

    assert fits_the_phone(organiser_page)
    return members


def _panel_session(j, clock, *, organiser_for, members, ev, overalls, comment: str):
    """Draw the panel, hold the session (members check in with the QR code and score through the
    API), close it and publish the result."""
    from minsheng.programs.evaluation_panels.models import Evaluation, EvaluationStatus

    organiser_page = organiser_for()
    with j.step("panel draw"):
        organiser_page.goto(f"{P}/manage/evaluations/{ev.pk}/")
        if ev.status == EvaluationStatus.PLANNED:
            organiser_page.locator("button[value=candidates]").click()
            organiser_page.wait_for_load_state()
        organiser_page.locator("button[value=draw]").click()
        organiser_page.wait_for_selector("img[src$='qr.svg']")
    drawn = [s.volunteer.person.phone for s in ev.seats.select_related("volunteer__person")]
    assert len(drawn) == 3
    with j.step("members answer"):
        for phone in drawn:
            seat = next(s for s in members[phone].get("/evaluation_panels/me/seats") if s["evaluation"] == ev.pk)
            members[phone].post(f"/evaluation_panels/me/seats/{seat['id']}/respond", accept=True)

    clock.move_to(ev.starts_at + timedelta(minutes=10))
    organiser_page = organiser_for()  # a new day: signed in again
    criteria = [str(c) for c in ev.rubric.criteria.order_by("order").values_list("id", flat=True)]
    with j.step("on-site evaluation"):
        organiser_page.goto(f"{P}/manage/evaluations/{ev.pk}/")
        link = organiser_page.locator("a[href*='/p/evaluation_panels/checkin/']").get_attribute("href")
        token = link.rstrip("/").rsplit("/", 1)[-1]
        for phone, overall in zip(drawn, overalls, strict=True):
            members[phone].post("/evaluation_panels/checkin", {"token": token})
            score = {"satisfied": 9, "basic": 7, "dissatisfied": 4}[overall]
            members[phone].post(f"/evaluation_panels/evaluations/{ev.pk}/scorecard", expect=201, payload={
                "overall": overall, "scores": dict.fromkeys(criteria, score),
                "comment": "" if overall == "satisfied" else comment})
        organiser_page.reload()
        assert "已签到3人，已提交测评表3份" in organiser_page.inner_text("main")
    with j.step("results published"):
        organiser_page.locator("button[value=close]").click()
        organiser_page.wait_for_selector("form[data-test=publish]")
        organiser_page.locator("form[data-test=publish] [name=confirm]").check()
        organiser_page.locator("form[data-test=publish] button[value=publish]").click()
        organiser_page.wait_for_selector("[data-test=published]")
    ev = Evaluation.objects.get(pk=ev.pk)
    assert ev.status == EvaluationStatus.PUBLISHED and ev.present_count == 3
    return ev, set(drawn)


def evaluation_cycle(j, clock, *, installation, invite, base_url: str, tmp_path) -> str:
    """The whole evaluation-panel year; returns what it covered, for the COVERED list."""
    from minsheng.demo.journeys import axe_serious, fits_the_phone
    from minsheng.programs.evaluation_panels.models import (
        Evaluation,
        EvaluationStatus,
        Project,
        ProjectStatus,
        RectificationOrder,
        RectificationStatus,
    )

    admin = j.phone(installation)
    _reference_data_in_admin(j, admin)
    organiser = invite(j, admin, ORGANISER)
    officer = invite(j, admin, UNIT_OFFICER)
    admin.context.close()

    pages = {}

    def signed_in(user):
        """A fresh phone for ``user`` (the day's earlier sign-in may have expired)."""
        if user.pk in pages:
            pages[user.pk].context.close()
        pages[user.pk] = j.phone(user)
        return pages[user.pk]

    cycle = _cycle_and_ideas(j, clock, organiser_page=signed_in(organiser), base_url=base_url,
                             citizen_page_for=lambda phone: signed_in(_account(phone)))
    clock.move_to(timezone.now() + timedelta(days=8))  # the ideas are in; screening and the vote
    lift = _screen_and_vote(j, clock, organiser_page=signed_in(organiser), cycle=cycle, base_url=base_url)
    project = Project.objects.get(candidate=lift)
    members = _milestone_and_pool(j, clock, organiser_page=pages[organiser.pk], project=project, base_url=base_url)

    start = (timezone.localtime() + timedelta(days=14)).replace(hour=9, minute=0, second=0, microsecond=0)
    with j.step("on-site evaluation arranged"):
        page = pages[organiser.pk]
        page.goto(f"{P}/manage/projects/{project.pk}/milestones/")
        form = page.locator("form[data-test=evaluation-form]")
        form.locator("[name=place]").fill("海州区新海街道幸福里小区")
        form.locator("[name=starts_at]").fill(_local(start))
        form.locator("[name=ends_at]").fill(_local(start + timedelta(hours=2)))
        form.locator("[name=panel_size]").fill("3")
        _send(page, "form[data-test=evaluation-form]")
    first = Evaluation.objects.get(project=project, round=1)
    first, first_panel = _panel_session(
        j, clock, organiser_for=lambda: signed_in(organiser), members=members, ev=first,
        overalls=("dissatisfied", "dissatisfied", "basic"), comment="电梯井道施工围挡未拆除，噪音扰民")
    order = RectificationOrder.objects.get(evaluation=first)
    assert first.grade == "dissatisfied" and Project.objects.get(pk=project.pk).status == ProjectStatus.RECTIFYING

    clock.move_to(timezone.now() + timedelta(days=10))
    unit_page = signed_in(officer)
    with j.step("rectification reported"):
        unit_page.goto(f"{P}/unit/")
        unit_page.click(f"a[href$='/unit/rectifications/{order.pk}/']")
        form = unit_page.locator("form[data-test=report-form]")
        form.locator("[name=report]").fill("已拆除全部施工围挡，夜间停止施工，增设隔音屏障，居民回访满意。")
        form.locator("[name=evidence]").set_input_files(str(_png(Path(tmp_path) / "整改现场.png")))
        _send(unit_page, "form[data-test=report-form]")
    order.refresh_from_db()
    assert order.status == RectificationStatus.REPORTED and order.reported_at <= order.deadline_at
    assert fits_the_phone(unit_page)

    again = (timezone.localtime() + timedelta(days=5)).replace(hour=9, minute=30, second=0, microsecond=0)
    page = signed_in(organiser)
    with j.step("re-evaluation scheduled"):
        page.goto(f"{P}/unit/rectifications/{order.pk}/")
        form = page.locator("form[data-test=reevaluate-form]")
        form.locator("[name=place]").fill("海州区新海街道幸福里小区")
        form.locator("[name=starts_at]").fill(_local(again))
        form.locator("[name=ends_at]").fill(_local(again + timedelta(hours=2)))
        _send(page, "form[data-test=reevaluate-form]")
    second = Evaluation.objects.get(project=project, round=2)
    assert second.status == EvaluationStatus.CANDIDATES and second.rectification_id == order.pk
    second, second_panel = _panel_session(
        j, clock, organiser_for=lambda: signed_in(organiser), members=members, ev=second,
        overalls=("satisfied", "satisfied", "basic"), comment="绿化恢复还需加快")
    assert not first_panel & second_panel  # a newly drawn panel
    order.refresh_from_db()
    project.refresh_from_db()
    assert second.grade == "satisfied" and order.status == RectificationStatus.CLOSED
    assert (project.grade, project.status) == ("satisfied", ProjectStatus.EVALUATED)

    public = j.phone()
    with j.step("the public reads the result"):
        public.goto(f"{P}/projects/{project.pk}/")
        public.wait_for_selector("[data-test=grade]")
    assert "满意" in public.inner_text("[data-test=grade]")
    assert fits_the_phone(public)
    assert axe_serious(public) == []
    for p in (*pages.values(), public):
        p.context.close()
    return (f"evaluation panels: category and rubric in /admin/, organiser and lead-unit officer invited; cycle "
            f"{YEAR}, 3 ideas (2 API, 1 portal), screened, delegates' vote (3 ballots by API), project + "
            f"milestone; 6 paper sign-ups enrolled on the pool page; panel drawn, on-site scores by API → "
            f"{first.get_grade_display()}, published → rectification {order.case.reference if order.case_id else ''}; "
            f"unit reports with evidence; re-evaluation by a new panel → {second.get_grade_display()}, published, "
            f"order closed")
