"""The roster import's bulk path writes the rows the services write, row by row, and a run split
over processes writes the rows and reports the errors of a run in one: the same roster (with
mistakes) through each path, the written rows and audit entries compared column by column.

Each run gets its own school and its own ID numbers (another area code) and phone numbers
(another prefix), so both runs' rows sit side by side in one database (the audit trail cannot
be deleted) and are compared with those told apart."""

import dataclasses
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from minsheng.audit.models import AuditEvent
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import id_number_make
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.imports import base
from minsheng.imports.models import ImportJob
from minsheng.imports.services import INTERNAL_ERROR, import_run, import_start, import_workers

from ..models import ClassGroup, Enrolment
from . import factories as f

HEADER = "学校统一社会信用代码,年级,班级,学生姓名,学生身份证号,监护人姓名,监护人身份证号,监护人手机号,关系,家庭类别,双职工\n"


def _id(area: str, born: date, seq: int) -> str:
    return id_number_make(region_code=area, birth_date=born, sequence=seq)


def _roster(area: str, tel: str, code: str) -> str:
    """Siblings, a pupil with two guardians, a guardian registered before (no phone in the
    roster), guardians with and without accounts, and rows with mistakes of each kind."""
    kid, kid2, sister = _id(area, date(2017, 3, 1), 12), _id(area, date(2016, 5, 2), 14), _id(area, date(2019, 3, 1), 16)
    loner = _id(area, date(2018, 1, 9), 18)
    mum, dad, gran = _id(area, date(1988, 5, 1), 22), _id(area, date(1986, 5, 1), 31), _id(area, date(1960, 2, 2), 42)
    aunt = _id(area, date(1990, 7, 7), 44)
    return HEADER + "".join([
        f"{code},3,2,张小明,{kid},王芳,{mum},{tel}12345678,母亲,低保,是\n",
        f"{code},3,2,张小明,{kid},张父,{dad},,父亲,低保,是\n",
        f"{code},1,1,张小红,{sister},王芳,{mum},{tel}12345678,母亲,,否\n",
        f"NOPE,3,2,赵五,{loner},赵父,{aunt},,父亲,,否\n",  # no such school
        f"{code},4,1,李四,{kid2[:-1]}{'0' if kid2[-1] != '0' else '1'},李母,{aunt},{tel}87654321,母亲,,否\n",  # check digit
        f"{code},4,1,李四,{kid2},,{aunt},{tel}87654321,母亲,,否\n",  # guardian's name missing
        f"{code},4,1,李四,{kid2},李母,{aunt},{tel}87654321,母亲,特困,否\n",
        f"{code},3,2,张小明,{kid},张父,{dad},,父亲,低保,是\n",  # repeats the second row
        f"{code},2,1,孙六,{loner},孙奶奶,{gran},{tel}00001111,祖母,,maybe\n",  # not yes or no
        f"{code},2,1,孙六,{loner},孙奶奶,{gran},{tel}00001111,祖母,低收入,是\n",
    ])


def _school(code: str):
    school = f.school()
    school.credit_code = code
    school.save(update_fields=["credit_code"])
    return school


def _snapshot(area: str, tel: str, school) -> dict:
    """The run's rows (its people by their ID numbers' area), keys, ciphertexts and timestamps
    left out, the area code and phone prefix masked so two runs compare."""
    def plain(text):
        return (text or "").replace(area, "AREA").replace(tel, "TEL")

    def ident(number):  # the check digit follows the area code: left out
        return "AREA" + number[6:17]

    people = {p.pk: p for p in Person.objects.select_related("user") if p.id_number.startswith(area)}
    rows = {
        ident(p.id_number): (p.name, plain(p.phone), p.birth_date, p.sex, p.id_number_tail[:3],
                             p.id_number_hash == keyed_hash(p.id_number),
                             p.phone_hash == (keyed_hash(p.phone) if p.phone else None),
                             (p.user.name, plain(p.user.phone), p.user.phone_hash == keyed_hash(p.user.phone),
                              p.user.has_usable_password(), p.user.is_staff, p.user.is_active) if p.user else None)
        for p in people.values()
    }
    relations = sorted((ident(r.person.id_number), ident(r.relative.id_number), r.kind, r.detail)
                       for r in PersonRelation.objects.select_related("person", "relative")
                       if r.relative_id in people)
    enrolments = sorted((ident(e.student.id_number), e.class_group.name, e.class_group.grade.level, e.grade_level,
                         e.family_category, e.dual_working, e.school_year)
                        for e in Enrolment.objects.select_related("student", "class_group__grade")
                        .filter(school=school))
    classes = sorted(ClassGroup.objects.filter(school=school).values_list("name", "number", "school_year"))
    users = {str(u.pk) for p in people.values() if (u := p.user)}
    relation_ids = {str(r.pk): r for r in PersonRelation.objects.filter(relative_id__in=people)}

    def target(e):
        if e.target_type == "identity.person":
            return ident(people[int(e.target_id)].id_number)
        if e.target_type == "identity.user":
            return plain(User.objects.get(pk=e.target_id).phone)
        r = relation_ids[e.target_id]
        return (ident(people[r.person_id].id_number), ident(people[r.relative_id].id_number))

    def new(values):
        ids = {k: ident(people[v].id_number) if k in ("person", "relative") else v[:-1] if k == "id_number" else v
               for k, v in values.items()}
        return str(sorted(ids.items()))

    events = sorted(
        str((e.event_type, e.actor.name if e.actor else None, e.actor_label, e.target_type, target(e),
             plain(e.target_label), plain(new(e.new_values or {})), e.old_values, e.ip_address, e.request_id))
        for e in AuditEvent.objects.select_related("actor").filter(event_type__startswith="identity.")
        if (e.target_type == "identity.person" and int(e.target_id) in people)
        or (e.target_type == "identity.user" and e.target_id in users)
        or (e.target_type == "identity.personrelation" and e.target_id in relation_ids))
    return {"people": rows, "relations": relations, "enrolments": enrolments, "classes": classes, "events": events}


def _run(area: str, tel: str, code: str, admin, *, workers: int = 1) -> tuple[ImportJob, dict]:
    from minsheng.identity.services import person_create

    school = _school(code)
    person_create(name="张父", id_number=_id(area, date(1986, 5, 1), 31), actor=admin)  # registered before
    upload = SimpleUploadedFile("roster.csv", _roster(area, tel, code).encode("utf-8"), content_type="text/csv")
    job = import_start(importer_key="after_school.students", file=upload, dry_run=False, actor=admin)
    job = import_run(ImportJob.objects.get(pk=job.pk), workers=workers)
    return job, _snapshot(area, tel, school)


def _report(job: ImportJob, tel: str) -> tuple:
    return (job.state, job.total, job.ok, job.failed,
            [(e["row"], e["column"], e["message"].replace(tel, "TEL")) for e in job.errors])


def save_students_by_services(rows: list[dict], job=None) -> int:
    """The roster's rows one at a time through the services: person_create, the citizen's first
    SMS sign-in (citizen_sign_in_otp) for a guardian's account, person_relation_add, and the
    class and enrolment by get_or_create / update_or_create."""
    from minsheng.identity.otp import otp_issue
    from minsheng.identity.services import citizen_sign_in_otp, person_create, person_relation_add

    from ..models import Grade
    from ..services.imports import GRADE_NAMES, school_year_now

    year = school_year_now()
    actor = job.created_by

    def person(parsed, name, phone="", account=False):
        found = Person.objects.filter(id_number_hash=keyed_hash(parsed.number)).first()
        if found is not None:
            return found
        user = None
        if account and phone:
            otp_issue(phone=phone)
            user, _created = citizen_sign_in_otp(phone=phone, code="123456", name=name)
            if Person.objects.filter(user=user).exists():
                user = None
        return person_create(name=name, id_number=parsed.number, phone=phone, actor=actor, user=user)

    for row in rows:
        school, level = row["school"], row["grade"]
        grade, _c = Grade.objects.get_or_create(school=school, level=level,
                                                defaults={"name": f"{GRADE_NAMES[level - 1]}年级"})
        group, _c = ClassGroup.objects.get_or_create(
            grade=grade, school_year=year, number=row["class_number"],
            defaults={"school": school, "name": f"{GRADE_NAMES[level - 1]}（{row['class_number']}）班"})
        student = person(row["id_number"], row["name"])
        guardian = person(row["guardian_id_number"], row["guardian_name"], row.get("guardian_phone") or "", True)
        if not PersonRelation.objects.filter(person=guardian, relative=student, kind="guardian").exists():
            person_relation_add(person=guardian, relative=student, kind="guardian", detail=row.get("relation") or "",
                                actor=actor)
        Enrolment.objects.update_or_create(student=student, school_year=year, defaults={
            "class_group": group, "school": school, "grade_level": level,
            "family_category": row.get("family_category") or "", "dual_working": bool(row.get("dual_working"))})
    return len(rows)


@pytest.mark.django_db
def test_the_bulk_roster_import_writes_the_rows_and_audit_of_the_services_row_by_row(monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr("minsheng.identity.otp.secrets.randbelow", lambda n: 123456)  # the SMS code
    cache.clear()
    admin = f.user("管理员", is_staff=True, is_superuser=True)
    bulk_job, bulk = _run("320706", "139", "12320706MB1234567X", admin)

    roster = base.get_importer("after_school.students")
    base.register_importer(dataclasses.replace(roster, save_rows=save_students_by_services, chunk_size=3))
    try:
        service_job, services = _run("320707", "138", "12320707MB1234567X", admin)
    finally:
        base.register_importer(roster)
        cache.clear()
    assert _report(bulk_job, "139") == _report(service_job, "138")
    assert (bulk_job.ok, bulk_job.failed, len(bulk_job.errors)) == (5, 5, 5), bulk_job.errors
    assert {e["column"] for e in bulk_job.errors} == {"学校统一社会信用代码", "学生身份证号", "监护人姓名", "", "双职工"}
    assert len(bulk["people"]) == 8 and len(bulk["relations"]) == 5 and len(bulk["enrolments"]) == 4
    for part in ("people", "relations", "enrolments", "classes", "events"):
        assert bulk[part] == services[part], part


@pytest.mark.django_db(transaction=True)
def test_a_roster_split_over_processes_writes_the_rows_and_report_of_one_process():
    """Chunks of two rows, two processes (on PostgreSQL; SQLite runs the job in one): the
    siblings, the two guardians and the repeated row are each in one part."""
    roster = base.get_importer("after_school.students")
    base.register_importer(dataclasses.replace(roster, chunk_size=2))
    try:
        admin = f.user("管理员", is_staff=True, is_superuser=True)
        one_job, one = _run("320706", "139", "12320706MB1234567X", admin, workers=1)
        split_job, split = _run("320707", "138", "12320707MB1234567X", admin, workers=2)
        expected = 2 if connection.vendor == "postgresql" else 1
        assert import_workers(base.get_importer("after_school.students"), split_job, 2) == expected
    finally:
        base.register_importer(roster)
    assert _report(one_job, "139") == _report(split_job, "138")
    assert split_job.state == "done" and split_job.processed == split_job.total == 10
    assert split_job.errors == sorted(split_job.errors, key=lambda e: e["row"])
    for part in ("people", "relations", "enrolments", "classes", "events"):
        assert one[part] == split[part], part


def test_rows_sharing_a_number_are_in_one_part():
    from minsheng.imports.parallel import families

    rows = [["a", "1"], ["b", "2"], ["c", "1"], ["b", " 3 "], ["d", ""], ["e", "3"]]
    parts = families(rows, [0, 1], 4)
    assert parts[2] == parts[4]  # share "1"
    assert parts[3] == parts[5] == parts[7]  # "b" ties rows 3 and 5, " 3 " and "3" tie 5 and 7


@pytest.mark.django_db(transaction=True)
def test_a_part_that_crashes_fails_the_job_and_keeps_what_was_saved(settings):
    """An importer bug in one part (on PostgreSQL a forked process; on SQLite the one process):
    the job is failed with the internal-error message; the chunks saved before stay saved."""

    from minsheng.imports.services import import_run_by_id
    from minsheng.programs.after_school.services.imports import save_students

    def save_or_crash(rows, job=None):
        if any(row["name"] == "孙六" for row in rows):
            raise RuntimeError("an importer bug")
        return save_students(rows, job)

    settings.IMPORT_WORKERS = 2  # the task worker's setting: two processes on PostgreSQL
    roster = base.get_importer("after_school.students")
    base.register_importer(dataclasses.replace(roster, chunk_size=2, save_rows=save_or_crash))
    try:
        admin = f.user("管理员", is_staff=True, is_superuser=True)
        _school("12320706MB1234567X")
        upload = SimpleUploadedFile("roster.csv", _roster("320706", "139", "12320706MB1234567X").encode("utf-8"),
                                    content_type="text/csv")
        job = import_start(importer_key="after_school.students", file=upload, dry_run=False, actor=admin)
        try:
            import_run_by_id(job_id=job.pk)
        except RuntimeError:
            assert connection.vendor != "postgresql"  # one process: the worker sees the exception
        job.refresh_from_db()
    finally:
        base.register_importer(roster)
    assert job.state == "failed" and job.message == str(INTERNAL_ERROR)
    assert Enrolment.objects.filter(student__name="张小明").exists()  # its chunk came before the crash
