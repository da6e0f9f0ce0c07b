"""Rosters from school spreadsheets through the core's bulk import: students with guardians,
and teachers. Each row is validated cell by cell (a row error names the cell); saving is
idempotent — people are found by ID number, enrolments and teachers updated in place. A chunk is
written in bulk (core.bulk through identity's PeopleWriter): the rows and audit entries the
identity services write, at tens of thousands of rows a second."""

from datetime import date

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.access.models import Organisation
from minsheng.core.bulk import BulkWriter, Row
from minsheng.core.errors import ValidationFailed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import ParsedIdNumber, id_number_validate
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.identity.names import person_name_validate
from minsheng.identity.services.bulk import PeopleWriter
from minsheng.imports.base import Column, Importer, cached, parsers

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
    school = cached("school", code, lambda: Organisation.objects.filter(kind="school", credit_code=code).first()
                    if code else None)
    if school is None:
        raise ValidationFailed(_("No school has this unified social credit code. Copy the 18-character code "
                                 "from the school's record."))
    return school


def parse_id_number(raw) -> ParsedIdNumber:
    return id_number_validate(str(raw or ""), today=cached("today", None, timezone.localdate))


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


class _People:
    """Who of a chunk's people is registered already (found by ID number, accounts by phone);
    the others are registered through identity's PeopleWriter, in bulk, with their audit entries."""

    def __init__(self, rows: list[dict], keys: list[tuple[str, str]], *, actor) -> None:
        # Each number hashed once per chunk (the lookups, the made-here check and the rows).
        self.hashes = {n: keyed_hash(n) for n in {row[n].number for row in rows for n, _p in keys}}
        self.phone_hashes = {p: keyed_hash(p) for p in {row[p] for row in rows for _n, p in keys if p and row.get(p)}}
        self.found = {h: (pk, user_id) for h, pk, user_id in Person.objects.filter(
            id_number_hash__bulk_in=list(self.hashes.values())).values_list("id_number_hash", "pk", "user_id")}
        self.accounts = dict(User.objects.filter(phone_hash__bulk_in=list(self.phone_hashes.values()))
                             .values_list("phone_hash", "pk"))
        self.linked = set(Person.objects.filter(user_id__bulk_in=list(self.accounts.values())).values_list("user_id", flat=True))
        self.writer = PeopleWriter(actor=actor)
        self.made: dict[str, Row] = {}

    def get(self, *, parsed: ParsedIdNumber, name: str, phone: str = "", with_account: bool = False) -> int:
        """The person's key, registering them (and, with a phone, their account) when new."""
        digest = self.hashes[parsed.number]
        if digest in self.made:
            return self.made[digest].pk
        if digest in self.found:
            pk, user_id = self.found[digest]
            if with_account and phone and user_id is None:
                self._link(pk, phone, name)
            return pk
        user_id = None
        phone_hash = self.phone_hashes[phone] if phone else ""
        if with_account and phone:
            user_id = self.accounts.get(phone_hash)
            if user_id is None:
                user_id = self.accounts[phone_hash] = self.writer.account(name=name, phone=phone,
                                                                          phone_hash=phone_hash).pk
            elif user_id in self.linked:
                user_id = None  # the number's account belongs to someone else
            self.linked.add(user_id)
        person = self.writer.person(name=name, id_number=parsed, phone=phone, user_id=user_id,
                                    id_number_hash=digest, phone_hash=phone_hash)
        self.made[digest] = person
        return person.pk

    def _link(self, pk: int, phone: str, name: str) -> None:
        """A registered person without an account gets the number's account (rare: row by row)."""
        self.writer.close()
        user = User.objects.filter(phone_hash=keyed_hash(phone)).first()
        if user is None:
            user = User.objects.create(name=name, phone=phone, phone_hash=keyed_hash(phone),
                                       password=make_password(None))
        if not Person.objects.filter(user=user).exists():
            Person.objects.filter(pk=pk).update(user=user, updated_at=timezone.now())
        self.found[keyed_hash(Person.objects.get(pk=pk).id_number)] = (pk, user.pk)


def save_students(rows: list[dict], job=None) -> int:
    """A chunk of student rows: people found or registered, guardian relations and this year's
    enrolments written in bulk (existing enrolments updated in place)."""
    year = school_year_now()
    people = _People(rows, [("id_number", ""), ("guardian_id_number", "guardian_phone")],
                     actor=getattr(job, "created_by", None))
    classes = _class_groups(rows, year)
    students, guardians = [], []
    for row in rows:
        students.append(people.get(parsed=row["id_number"], name=row["name"]))
        guardians.append(people.get(parsed=row["guardian_id_number"], name=row["guardian_name"],
                                    phone=row.get("guardian_phone") or "", with_account=True))
    have = set(PersonRelation.objects.filter(relative_id__bulk_in=students, kind="guardian")
               .values_list("person_id", "relative_id"))
    enrolled = dict(Enrolment.objects.filter(student_id__bulk_in=students, school_year=year).values_list("student_id", "pk"))
    updates, fresh = [], {}
    names = {}
    for row, student, guardian in zip(rows, students, guardians, strict=True):
        names[student], names[guardian] = row["name"], row["guardian_name"]
        if (guardian, student) not in have:
            have.add((guardian, student))
            people.writer.relation(person=Row(pk=guardian, name=names[guardian]),
                                   relative=Row(pk=student, name=names[student]),
                                   kind="guardian", detail=row.get("relation") or "")
        values = {"class_group_id": classes[(row["school"].pk, row["grade"], row["class_number"])].pk,
                  "school_id": row["school"].pk, "grade_level": row["grade"],
                  "family_category": row.get("family_category") or "",
                  "dual_working": bool(row.get("dual_working"))}
        if student in enrolled:
            updates.append(Enrolment(pk=enrolled[student], student_id=student, school_year=year, **values))
        else:
            fresh[student] = values  # a student's later row (another guardian) wins, as update_or_create did
    with BulkWriter(Enrolment) as enrolments:
        for student, values in fresh.items():
            enrolments.insert(student_id=student, school_year=year, **values)
    if updates:
        Enrolment.objects.bulk_update(updates, ["class_group_id", "school_id", "grade_level", "family_category",
                                                "dual_working"], batch_size=1000)
    people.writer.close()
    return len(rows)


def _class_groups(rows: list[dict], year: int) -> dict[tuple, ClassGroup]:
    """The classes by (school, grade, number), kept for the run: the first chunk that names a
    school reads its classes in one query; the missing ones are made."""
    known: dict[tuple, ClassGroup] = cached("class_groups", year, dict)
    wanted = {(row["school"].pk, row["grade"], row["class_number"]) for row in rows} - known.keys()
    if not wanted:
        return known
    school_ids = {k[0] for k in wanted}

    def read() -> None:
        known.update({(c.grade.school_id, c.grade.level, c.number): c for c in ClassGroup.objects.filter(
            grade__school_id__in=school_ids, school_year=year).select_related("grade")})

    read()
    if wanted - known.keys():
        grades = {(g.school_id, g.level): g for g in Grade.objects.filter(school_id__in=school_ids)}
        missing = {(s, lvl) for s, lvl, _n in wanted - known.keys()} - grades.keys()
        if missing:
            # In key order: parts of a parallel run making the same classes wait on each other
            # (ON CONFLICT DO NOTHING) in one order, never in a cycle.
            Grade.objects.bulk_create([Grade(school_id=s, level=lvl, name=f"{GRADE_NAMES[lvl - 1]}年级")
                                       for s, lvl in sorted(missing)], ignore_conflicts=True)
            grades = {(g.school_id, g.level): g for g in Grade.objects.filter(school_id__in=school_ids)}
        ClassGroup.objects.bulk_create(
            [ClassGroup(grade=grades[(s, lvl)], school_id=s, school_year=year, number=n,
                        name=f"{GRADE_NAMES[lvl - 1]}（{n}）班") for s, lvl, n in sorted(wanted - known.keys())],
            ignore_conflicts=True)
        read()
    return known


def save_teachers(rows: list[dict], job=None) -> int:
    people = _People(rows, [("id_number", "phone")], actor=getattr(job, "created_by", None))
    ids = [people.get(parsed=row["id_number"], name=row["name"], phone=row.get("phone") or "", with_account=True)
           for row in rows]
    existing = {(p, s): pk for pk, p, s in Teacher.objects.filter(person_id__bulk_in=ids)
                .values_list("pk", "person_id", "school_id")}
    updates = []
    with BulkWriter(Teacher) as teachers:
        for row, person in zip(rows, ids, strict=True):
            values = {"subjects": row.get("subjects") or "", "party_member": bool(row.get("party_member")),
                      "is_active": True}
            key = (person, row["school"].pk)
            if key in existing:
                updates.append(Teacher(pk=existing[key], person_id=person, school_id=row["school"].pk, **values))
            else:
                existing[key] = teachers.insert(person_id=person, school_id=row["school"].pk, **values).pk
    if updates:
        Teacher.objects.bulk_update(updates, ["subjects", "party_member", "is_active"], batch_size=1000)
    people.writer.close()
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
        # One row per student and guardian: a student with two guardians has two rows.
        natural_key=("id_number", "guardian_id_number"),
        tie_columns=("id_number", "guardian_id_number", "guardian_phone"),
        save_rows=save_students,
        chunk_size=5000,
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
        tie_columns=("id_number", "phone"),
        save_rows=save_teachers,
        chunk_size=5000,
        roles=("school_admin", "admin"),
    ),
]

