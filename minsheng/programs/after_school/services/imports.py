"""Rosters from school spreadsheets through the core's bulk import: students with guardians,
and teachers. Each row is validated cell by cell (a row error names the cell); saving is
idempotent — people are found by ID number, enrolments and teachers updated in place."""

from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.access.models import Organisation
from minsheng.core.errors import ValidationFailed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import id_number_validate
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.identity.names import person_name_validate
from minsheng.imports.base import Column, Importer, parsers

from ..models import ClassGroup, Enrolment, FamilyCategory, Grade, Teacher

GRADE_NAMES = "一二三四五六七八九"
YES = {"是": True, "yes": True, "y": True, "1": True, "true": True, "否": False, "no": False, "n": False,
       "0": False, "false": False, "": False}
CATEGORY_BY_TEXT = {str(label).split("(")[0].strip(): value for value, label in FamilyCategory.choices}
CATEGORY_BY_TEXT.update({"": "", "无": "", "低保": "dibao", "特困": "tekun", "低收入": "low_income", "低边": "low_income",
                         "孤儿": "orphan", "残疾": "disabled", "烈士": "martyr", "军属": "martyr"})
CATEGORY_BY_TEXT.update({v: v for v in FamilyCategory.values})


def parse_school(raw) -> Organisation:
    code = str(raw or "").strip().upper()
    school = Organisation.objects.filter(kind="school", credit_code=code).first() if code else None
    if school is None:
        raise ValidationFailed(_("No school has this unified social credit code. Copy the 18-character code "
                                 "from the school's record."))
    return school


def parse_id_number(raw) -> str:
    return id_number_validate(str(raw or "")).number


def parse_yes_no(raw) -> bool:
    value = str(raw if raw is not None else "").strip().lower()
    if value not in YES:
        raise ValidationFailed(_("Enter 是 (yes) or 否 (no)."))
    return YES[value]


def parse_category(raw) -> str:
    value = str(raw or "").strip()
    if value not in CATEGORY_BY_TEXT:
        raise ValidationFailed(_("Enter a family category such as 低保, 特困 or 低收入, or leave the cell empty."))
    return CATEGORY_BY_TEXT[value]


def parse_person_name(raw) -> str:
    return person_name_validate(raw)


def school_year_now(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month >= 8 else today.year - 1


def _person(*, number: str, name: str, phone: str = "", with_account: bool = False) -> Person:
    parsed = id_number_validate(number)
    digest = keyed_hash(parsed.number)
    person = Person.objects.filter(id_number_hash=digest).first()
    if person is None:
        person = Person.objects.create(
            name=name, id_number=parsed.number, id_number_hash=digest, id_number_tail=parsed.number[-4:],
            birth_date=parsed.birth_date, sex=parsed.sex, phone=phone, phone_hash=keyed_hash(phone) if phone else None)
    if with_account and phone and person.user_id is None:
        user = User.objects.filter(phone_hash=keyed_hash(phone)).first()
        if user is None:
            user = User.objects.create(name=name, phone=phone, phone_hash=keyed_hash(phone),
                                       password=make_password(None))
        if not Person.objects.filter(user=user).exists():
            person.user = user
            person.save(update_fields=["user", "updated_at"])
    return person


def save_students(rows: list[dict], job=None) -> int:
    year = school_year_now()
    with transaction.atomic():
        for row in rows:
            school: Organisation = row["school"]
            level = row["grade"]
            grade, _c = Grade.objects.get_or_create(school=school, level=level,
                                                    defaults={"name": f"{GRADE_NAMES[level - 1]}年级"})
            cls, _c = ClassGroup.objects.get_or_create(
                grade=grade, school_year=year, number=row["class_number"],
                defaults={"school": school, "name": f"{GRADE_NAMES[level - 1]}（{row['class_number']}）班"})
            student = _person(number=row["id_number"], name=row["name"])
            guardian = _person(number=row["guardian_id_number"], name=row["guardian_name"],
                               phone=row.get("guardian_phone") or "", with_account=True)
            PersonRelation.objects.get_or_create(person=guardian, relative=student, kind="guardian",
                                                 defaults={"detail": row.get("relation") or ""})
            Enrolment.objects.update_or_create(
                student=student, school_year=year,
                defaults={"class_group": cls, "school": school, "grade_level": level,
                          "family_category": row.get("family_category") or "",
                          "dual_working": bool(row.get("dual_working"))})
    return len(rows)


def save_teachers(rows: list[dict], job=None) -> int:
    with transaction.atomic():
        for row in rows:
            person = _person(number=row["id_number"], name=row["name"], phone=row.get("phone") or "",
                             with_account=True)
            Teacher.objects.update_or_create(
                person=person, school=row["school"],
                defaults={"subjects": row.get("subjects") or "", "party_member": bool(row.get("party_member")),
                          "is_active": True})
    return len(rows)


IMPORTERS = [
    Importer(
        key="after_school.students",
        title=gettext_lazy("after-school: students and guardians"),
        columns=[
            Column("school", ("学校统一社会信用代码", "school code"), parse_school),
            Column("grade", ("年级", "grade"), parsers.integer(min_value=1, max_value=9)),
            Column("class_number", ("班级", "class"), parsers.integer(min_value=1, max_value=40)),
            Column("name", ("学生姓名", "student name"), parse_person_name),
            Column("id_number", ("学生身份证号", "student ID number"), parse_id_number),
            Column("guardian_name", ("监护人姓名", "guardian name"), parse_person_name),
            Column("guardian_id_number", ("监护人身份证号", "guardian ID number"), parse_id_number),
            Column("guardian_phone", ("监护人手机号", "guardian phone"), parsers.phone, required=False),
            Column("relation", ("关系", "relation"), parsers.text(max_length=20), required=False),
            Column("family_category", ("家庭类别", "family category"), parse_category, required=False),
            Column("dual_working", ("双职工", "dual working"), parse_yes_no, required=False),
        ],
        natural_key=("id_number",),
        save_rows=save_students,
        roles=("school_admin", "admin"),
        description=gettext_lazy("One row per student and guardian; a student with two guardians has two rows."),
    ),
    Importer(
        key="after_school.teachers",
        title=gettext_lazy("after-school: teachers"),
        columns=[
            Column("school", ("学校统一社会信用代码", "school code"), parse_school),
            Column("name", ("姓名", "name"), parse_person_name),
            Column("id_number", ("身份证号", "ID number"), parse_id_number),
            Column("phone", ("手机号", "phone"), parsers.phone, required=False),
            Column("subjects", ("任教学科", "subjects"), parsers.text(max_length=100), required=False),
            Column("party_member", ("中共党员", "party member"), parse_yes_no, required=False),
        ],
        natural_key=("id_number",),
        save_rows=save_teachers,
        roles=("school_admin", "admin"),
    ),
]

