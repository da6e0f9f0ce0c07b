"""The year in the life's after-school part.

Set-up: the city's education supervisor adds the term and opens the application window for the
city's schools (manage/terms/), the school's administrator creates a lottery offering (manage/).

One term's cycle: the city administrator records the school's credit code and invites its
teacher (/workbench/staff/); the school uploads its pupils with their guardians and its teachers
on /imports/ and gives the offering its teacher; three guardians apply (two through the API, one
on her phone); after the window closes the city's education supervisor runs the lottery and,
once the guardian has seen that results are coming, publishes them (confirmed) on manage/; the
guardian sees the result; the school adds the sessions; on Monday the teacher takes the roll on
teacher/ and records a pick-up; the education supervisor reads the figures on supervision/.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import Client

from minsheng.access.models import Organisation
from minsheng.core.creditcode import credit_code_generate
from minsheng.demo.journeys import axe_serious, fits_the_phone
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import check_char
from minsheng.identity.models import User

TERM = "2026–2027学年第二学期"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The school's unified social credit code: a public institution (事业单位, "12") of Haizhou.
SCHOOL_CODE = credit_code_generate(rng=random.Random(21), region_code="320706", authority="1", entity_class="2")
TEACHER = ("13800000303", "孙丽")
# The pupils of class 3 (1) and their guardians: pupil, guardian, phone, relation, dual-working.
FAMILIES = [
    ("周子涵", "周建国", "13900000211", "父亲", "是"),
    ("吴雨桐", "林静", "13900000212", "母亲", "否"),
    ("郑浩然", "郑伟", "13900000213", "父亲", "否"),
]
IN_BROWSER = 1  # the guardian who applies on her phone; the others use the API


def _id_number(birth: date, seq: int) -> str:
    first17 = f"320706{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def after_school_set_up(j, *, city_supervisor, school_admin):
    from minsheng.programs.after_school.models import Offering, Term

    with j.step("after-school set-up"):
        city_supervisor.goto("/p/after_school/manage/terms/")
        form = city_supervisor.locator("form[data-test=term-new]")
        form.locator("[name=name]").fill(TERM)
        form.locator("[name=school_year]").fill("2026")
        form.locator("[name=starts_on]").fill("2027-03-01")
        form.locator("[name=ends_on]").fill("2027-07-02")
        form.locator("[type=submit]").click()
        city_supervisor.wait_for_load_state()
        term = Term.objects.get(name=TERM)
        city_supervisor.goto(f"/p/after_school/manage/terms/{term.pk}/")
        form = city_supervisor.locator("form[data-test=area-window-new]")
        form.locator("[name=region]").select_option("320700")
        form.locator("[name=opens_at]").fill("2027-03-02T08:00")
        form.locator("[name=closes_at]").fill("2027-03-05T17:00")
        form.locator("[type=submit]").click()
        city_supervisor.wait_for_load_state()
        assert city_supervisor.locator(".invalid-feedback, .alert-danger").count() == 0, \
            city_supervisor.inner_text("main")[:800]

        school_admin.goto("/p/after_school/manage/")
        form = school_admin.locator("form:has(button[value=offering])")
        form.locator("[name=term]").select_option(str(term.pk))
        form.locator("[name=school]").select_option(str(Organisation.objects.get(name="海州实验小学").pk))
        form.locator("[name=title]").fill("三年级课后作业辅导")
        form.locator("[name=kind]").select_option("weekday")
        form.locator("[name=activity]").select_option("homework")
        for day in ("0", "2"):
            form.locator(f"[name=weekdays][value='{day}']").check()
        form.locator("[name=start_time]").fill("15:30")
        form.locator("[name=end_time]").fill("17:30")  # weekday care: two hours at least
        form.locator("[name=capacity]").fill("2")
        form.locator("[name=fee_basis]").select_option("term")
        form.locator("[name=allocation]").select_option("lottery")
        form.locator("button[value=offering]").click()
        school_admin.wait_for_load_state()
        assert school_admin.locator(".invalid-feedback, .alert-danger").count() == 0, \
            school_admin.inner_text("main")[:800]
    assert term.windows.get().region_id == "320700"  # the window for every school of the city
    offering = Offering.objects.get(title="三年级课后作业辅导")
    assert offering.allocation == "lottery" and offering.capacity == 2
    return term, offering


def _csv(path, rows: list[list[str]]):
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _upload(j, page, *, importer: str, path) -> None:
    """The school uploads one roster on /imports/ (not a dry run) and waits for it to be imported."""
    from minsheng.imports.models import ImportJob

    page.goto("/imports/")
    page.locator("[name=importer]").select_option(importer)
    page.locator("[name=file]").set_input_files(str(path))
    page.locator("[name=dry_run]").uncheck()
    page.locator("main form[enctype] [type=submit]").click()
    page.wait_for_url("**/imports/*/")
    job = ImportJob.objects.filter(importer_key=importer).latest("pk")
    assert (job.state, job.failed, job.ok) == ("done", 0, job.total), page.inner_text("main")[:800]


def _api_apply(user, *, offering_id: int) -> dict:
    """A guardian's application through the API (the app's submit): Monday and Wednesday."""
    api = Client()
    api.force_login(user)
    (child,) = api.get("/api/v1/after_school/children").json()
    assert offering_id in [o["id"] for o in child["offerings"]]
    answer = api.post("/api/v1/after_school/applications", {
        "student": child["id"], "offering": offering_id, "weekdays": [0, 2], "rank": 1,
    }, content_type="application/json", headers={"Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.content
    return answer.json()


def after_school_cycle(j, clock, *, root, staff: dict, invite, tmp_path) -> dict:
    """One term of after-school care from the roster to the supervision figures (see the module's
    docstring). ``invite(page, (phone, name, role, organisation))`` is the year's staff invitation.
    Returns what a later step may read: the offering's applications' states and the figures."""
    from minsheng.notifications.models import Notification
    from minsheng.programs.after_school.models import (
        Application,
        ApplicationWindow,
        Attendance,
        Enrolment,
        Offering,
        PickUp,
        Session,
        Teacher,
    )

    school = Organisation.objects.get(name="海州实验小学")
    offering = Offering.objects.get(title="三年级课后作业辅导")
    admin = j.phone(root)
    with j.step("after-school roster"):
        admin.goto(f"/workbench/organisations/{school.pk}/")
        admin.locator("form[data-test=edit] [name=credit_code]").fill(SCHOOL_CODE)
        admin.locator("form[data-test=edit] [type=submit]").click()
        admin.wait_for_load_state()
    school.refresh_from_db()
    assert school.credit_code == SCHOOL_CODE, admin.inner_text("main")[:800]
    teacher_user = invite(admin, (*TEACHER, "teacher", "海州实验小学"))

    head = j.phone(staff["school_admin"])
    with j.step("after-school roster"):
        pupils = [["学校统一社会信用代码", "年级", "班级", "学生姓名", "学生身份证号", "监护人姓名",
                   "监护人身份证号", "监护人手机号", "关系", "家庭类别", "双职工"]]
        for n, (pupil, guardian, phone, relation, dual) in enumerate(FAMILIES):
            pupils.append([SCHOOL_CODE, "3", "1", pupil, _id_number(date(2018, 4, 2 + n), 11 + 2 * n),
                           guardian, _id_number(date(1988, 6, 10 + n), 21 + 2 * n), phone, relation, "", dual])
        _upload(j, head, importer="after_school.students", path=_csv(tmp_path / "三年级一班.csv", pupils))
        teachers = [["学校统一社会信用代码", "姓名", "身份证号", "手机号", "任教学科", "中共党员"],
                    [SCHOOL_CODE, TEACHER[1], _id_number(date(1990, 9, 1), 42), TEACHER[0], "数学", "是"]]
        _upload(j, head, importer="after_school.teachers", path=_csv(tmp_path / "教师.csv", teachers))
        teacher = Teacher.objects.get(school=school, person__user=teacher_user)  # the invited account, linked
        head.goto(f"/p/after_school/manage/offerings/{offering.pk}/teachers/")
        form = head.locator("form[data-test=teachers-form]")
        form.locator(f"[name=teachers][value='{teacher.pk}']").check()
        form.locator("[type=submit]").last.click()
        head.wait_for_url("**/p/after_school/manage/")
    assert Enrolment.objects.filter(school=school, grade_level=3).count() == len(FAMILIES)
    assert list(offering.teachers.all()) == [teacher]

    guardians = [User.objects.get(phone_hash=keyed_hash(phone)) for _p, _g, phone, _r, _d in FAMILIES]
    with j.step("after-school applications"):
        for n, user in enumerate(guardians):
            if n != IN_BROWSER:
                _api_apply(user, offering_id=offering.pk)
        mother = j.phone(guardians[IN_BROWSER])
        mother.goto("/p/after_school/")
        form = mother.locator("form[data-test=offering]").first
        for day in ("0", "2"):
            form.locator(f"[name=weekdays][value='{day}']").check()
        form.locator("[data-test=apply]").click()
        mother.wait_for_selector("[data-test=application]")
    assert mother.locator("[data-test=application] [data-test=state]").inner_text() == "已提交"
    assert fits_the_phone(mother)
    apps = Application.objects.filter(offering=offering)
    assert apps.count() == len(FAMILIES) and {a.state for a in apps} == {"submitted"}

    window = ApplicationWindow.objects.get(term=offering.term)
    clock.move_to(window.closes_at + timedelta(minutes=5))  # Friday 17:05: the window has closed
    city = j.phone(staff["education_supervisor"])
    with j.step("after-school lottery"):
        city.goto("/p/after_school/manage/")
        city.locator(f"form:has(input[name=window][value='{window.pk}']) button[value=lottery]").click()
        city.wait_for_selector("[data-test=publish]")
        mother = j.phone(guardians[IN_BROWSER])  # her session has lasted; the same phone, a new day
        mother.goto("/p/after_school/")
    card = mother.locator("[data-test=application]")
    assert card.locator("[data-test=results-pending]").inner_text() == "摇号已完成，等待公布"
    assert card.locator("[data-test=state]").inner_text() == "已提交"  # not told before publication
    window.refresh_from_db()
    assert window.lottery_state == "done"
    assert not Notification.objects.filter(template="after_school.lottery_result").exists()
    with j.step("after-school lottery"):
        city.click("[data-test=publish]")
        city.locator(f"#ms-confirm-publish-{window.pk} [data-confirm-submit]").click()
        city.wait_for_selector("[data-test=published]")
        mother.reload()
    window.refresh_from_db()
    assert window.lottery_state == "published"
    states = dict(Application.objects.filter(offering=offering).values_list("student__name", "state"))
    assert sorted(states.values()) == ["admitted", "admitted", "waitlisted"], states
    assert states["周子涵"] == "admitted"  # a dual-working family comes first
    mine = Application.objects.get(offering=offering, guardian__user=guardians[IN_BROWSER])
    assert card.locator("[data-test=results-pending]").count() == 0
    assert card.locator("[data-test=state]").inner_text() == _zh_state(mine)
    told = Notification.objects.filter(template="after_school.lottery_result")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(u.pk for u in guardians)
    assert fits_the_phone(mother)
    assert axe_serious(mother) == []

    with j.step("after-school sessions"):
        head = j.phone(staff["school_admin"])
        head.goto("/p/after_school/manage/")
        head.click("[data-test=sessions-generate]")
        head.wait_for_load_state()
    monday = date(2027, 3, 8)
    session = Session.objects.get(offering=offering, date=monday)

    clock.move_to(datetime(2027, 3, 8, 15, 40, tzinfo=SHANGHAI))  # Monday: the care begins at 15:30
    desk = j.phone(teacher_user)
    admitted = list(Application.objects.filter(offering=offering, state="admitted").select_related("student"))
    with j.step("after-school attendance"):
        desk.goto("/p/after_school/teacher/")
        desk.click("[data-test=session]")
        desk.wait_for_selector("[data-test=roll-row]")
        for app in admitted:
            row = desk.locator(f"[data-test=roll-row][data-student='{app.student_id}']")
            row.locator("[data-test=mark-present]").click()
            desk.wait_for_selector(f"[data-test=roll-row][data-student='{app.student_id}'] [data-test=status]")
    assert desk.locator("[data-test=roll-row]").count() == len(admitted) == 2
    assert set(Attendance.objects.filter(session=session).values_list("status", flat=True)) == {"present"}
    assert fits_the_phone(desk)
    clock.move_to(datetime(2027, 3, 8, 17, 25, tzinfo=SHANGHAI))  # before the 17:30 end: on time
    with j.step("after-school attendance"):
        first = admitted[0]
        row = desk.locator(f"[data-test=roll-row][data-student='{first.student_id}']")
        row.locator("[data-test=pickup-confirm]").click()
        desk.wait_for_selector(f"[data-test=roll-row][data-student='{first.student_id}'] [data-test=pickup]")
    pickup = PickUp.objects.get(session=session)
    assert (pickup.student_id, pickup.late, pickup.collected_by_id) == (first.student_id, False, first.guardian_id)

    clock.move_to(datetime(2027, 3, 8, 18, 0, tzinfo=SHANGHAI))
    city = j.phone(staff["education_supervisor"])
    with j.step("after-school supervision"):
        city.goto("/p/after_school/supervision/?by=school")
        city.wait_for_selector("[data-test=total]")
    cells = [c.strip() for c in city.locator("[data-test=total] > *").all_inner_texts()]
    figures = {"students": cells[1], "in care": cells[2], "coverage": cells[3], "teachers serving": cells[4],
               "sessions held": cells[6], "attendance": cells[7]}
    assert figures["students"] == "3" and figures["in care"] == "2" and figures["teachers serving"] == "1/1"
    assert figures["sessions held"] == "1" and figures["attendance"] == "100.0%", figures
    assert "66.7" in figures["coverage"], figures
    assert fits_the_phone(city)
    return {"states": states, "figures": figures}


def _zh_state(app) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(app.get_state_display())
