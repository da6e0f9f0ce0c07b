import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.identity.idnumbers import check_char
from minsheng.identity.models import PersonRelation
from minsheng.imports.models import ImportJob
from minsheng.imports.services import import_start

from ..models import Enrolment, Teacher
from . import factories as f

pytestmark = pytest.mark.django_db


def _id(birth: str, seq: int) -> str:
    first17 = f"320706{birth}{seq:03d}"
    return first17 + check_char(first17)


def _csv(text: str):
    return SimpleUploadedFile("roster.csv", text.encode("utf-8"), content_type="text/csv")


def test_student_roster_imports_students_guardians_and_reports_bad_rows(django_capture_on_commit_callbacks):
    school = f.school()
    school.credit_code = "12320706MB1234567X"
    school.save(update_fields=["credit_code"])
    admin = f.user("管理员", is_staff=True, is_superuser=True)
    kid, mum = _id("20170301", 12), _id("19880501", 22)
    rows = (
        "学校统一社会信用代码,年级,班级,学生姓名,学生身份证号,监护人姓名,监护人身份证号,监护人手机号,关系,家庭类别,双职工\n"
        f"12320706MB1234567X,3,2,王小明,{kid},王芳,{mum},13912345678,母亲,低保,是\n"
        f"12320706MB1234567X,3,2,李四,{kid[:-1]}0,李父,{mum},,父亲,,否\n"
        f"NOPE,3,2,赵五,{kid},赵父,{mum},,父亲,,否\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="after_school.students", file=_csv(rows), dry_run=False, actor=admin)
    job = ImportJob.objects.get(pk=job.pk)
    assert job.ok == 1 and job.failed == 2, job.errors
    enrolment = Enrolment.objects.select_related("student", "class_group").get()
    assert (enrolment.student.name, enrolment.grade_level, enrolment.family_category, enrolment.dual_working) == (
        "王小明", 3, "dibao", True)
    relation = PersonRelation.objects.get(kind="guardian")
    assert relation.person.name == "王芳" and relation.person.user is not None


def test_teacher_roster_imports_party_member_flag(django_capture_on_commit_callbacks):
    school = f.school()
    school.credit_code = "12320706MB1234567X"
    school.save(update_fields=["credit_code"])
    admin = f.user("管理员", is_staff=True, is_superuser=True)
    rows = ("学校统一社会信用代码,姓名,身份证号,手机号,任教学科,中共党员\n"
            f"12320706MB1234567X,李老师,{_id('19850301', 31)},13812345678,数学,是\n")
    with django_capture_on_commit_callbacks(execute=True):
        import_start(importer_key="after_school.teachers", file=_csv(rows), dry_run=False, actor=admin)
    teacher = Teacher.objects.select_related("person").get()
    assert teacher.party_member and teacher.subjects == "数学" and teacher.person.user_id


def test_student_roster_bulk_path_writes_the_service_rows_and_a_second_import_adds_nothing(
        django_capture_on_commit_callbacks):
    """Two guardians of one pupil, a guardian already registered through the service, a sibling:
    people, accounts, relations, enrolments and audit entries as the identity services write them."""
    from minsheng.audit.models import AuditEvent
    from minsheng.identity.models import Person, User
    from minsheng.identity.services import person_create

    school = f.school()
    school.credit_code = "12320706MB1234567X"
    school.save(update_fields=["credit_code"])
    admin = f.user("管理员", is_staff=True, is_superuser=True)
    kid, sister, mum, dad = _id("20170301", 12), _id("20190301", 14), _id("19880501", 22), _id("19860501", 31)
    person_create(name="张父", id_number=dad)  # registered before, through the service
    rows = (
        "学校统一社会信用代码,年级,班级,学生姓名,学生身份证号,监护人姓名,监护人身份证号,监护人手机号,关系,家庭类别,双职工\n"
        f"12320706MB1234567X,3,2,张小明,{kid},王芳,{mum},13912345678,母亲,低保,是\n"
        f"12320706MB1234567X,3,2,张小明,{kid},张父,{dad},,父亲,低保,是\n"
        f"12320706MB1234567X,1,1,张小红,{sister},王芳,{mum},13912345678,母亲,,否\n"
    )
    events_before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(importer_key="after_school.students", file=_csv(rows), dry_run=False, actor=admin)
    assert ImportJob.objects.get(pk=job.pk).ok == 3
    mother = Person.objects.select_related("user").get(name="王芳")
    assert (mother.id_number, mother.phone, mother.sex, str(mother.birth_date)) == (mum, "13912345678", "F",
                                                                                  "1988-05-01")
    assert mother.user.phone == "13912345678" and not mother.user.has_usable_password()
    assert Person.objects.count() == 4 and User.objects.filter(phone_hash__isnull=False).count() == 1
    pairs = set(PersonRelation.objects.values_list("person__name", "relative__name", "detail"))
    assert pairs == {("王芳", "张小明", "母亲"), ("张父", "张小明", "父亲"), ("王芳", "张小红", "母亲")}
    assert sorted(Enrolment.objects.values_list("student__name", "grade_level", "family_category")) == [
        ("张小明", 3, "dibao"), ("张小红", 1, "")]
    events = list(AuditEvent.objects.order_by("pk")[events_before:].values_list(
        "event_type", "actor_id", "target_label"))
    # 3 new people and 3 relations by the importing officer; the mother's account by herself.
    assert sorted(e[0] for e in events if e[0].startswith("identity.")) == [
        "identity.citizen_registered"] + ["identity.person_created"] * 3 + ["identity.relation_added"] * 3
    assert {e[1] for e in events if e[0] in ("identity.person_created", "identity.relation_added")} == {admin.pk}
    assert ("identity.relation_added", admin.pk, "张父 → 张小明") in events

    counts = (Person.objects.count(), PersonRelation.objects.count(), Enrolment.objects.count(),
              User.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        import_start(importer_key="after_school.students", file=_csv(rows.replace("低保,是", "特困,否")),
                     dry_run=False, actor=admin)
    assert (Person.objects.count(), PersonRelation.objects.count(), Enrolment.objects.count(),
            User.objects.count()) == counts
    assert Enrolment.objects.get(student__name="张小明").family_category == "tekun"


def test_a_failed_chunk_does_not_leave_its_classes_in_the_run_cache(django_capture_on_commit_callbacks):
    """The first chunk creates the class and is rolled back; the next chunk of the same class
    must not point at the class that was never committed."""
    import dataclasses

    from minsheng.core.errors import DomainError
    from minsheng.imports import base
    from minsheng.programs.after_school.services.imports import save_students

    from ..models import ClassGroup

    calls = []

    def save_failing_first(rows, job=None):
        save_students(rows, job)
        calls.append(len(rows))
        if len(calls) == 1:
            raise DomainError("the first chunk fails after writing")
        return len(rows)

    roster = base.get_importer("after_school.students")
    base.register_importer(dataclasses.replace(roster, chunk_size=1, save_rows=save_failing_first))
    try:
        school = f.school()
        school.credit_code = "12320706MB1234567X"
        school.save(update_fields=["credit_code"])
        admin = f.user("管理员", is_staff=True, is_superuser=True)
        rows = (
            "学校统一社会信用代码,年级,班级,学生姓名,学生身份证号,监护人姓名,监护人身份证号,监护人手机号,关系,家庭类别,双职工\n"
            f"12320706MB1234567X,4,3,王小明,{_id('20160301', 12)},王芳,{_id('19880501', 22)},,母亲,,否\n"
            f"12320706MB1234567X,4,3,李小红,{_id('20160401', 14)},李芳,{_id('19870501', 24)},,母亲,,否\n"
        )
        with django_capture_on_commit_callbacks(execute=True):
            job = import_start(importer_key="after_school.students", file=_csv(rows), dry_run=False, actor=admin)
    finally:
        base._importers.pop("after_school.students")
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.ok, job.failed) == (1, 1), job.errors
    enrolment = Enrolment.objects.get()
    assert enrolment.student.name == "李小红"
    assert ClassGroup.objects.filter(pk=enrolment.class_group_id, number=3).exists()
