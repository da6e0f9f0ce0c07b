import datetime as dt

import pyotp
import pytest
from django.db import connection
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from minsheng.identity import services
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.identity.selectors import person_get_for

from .conftest import make_id

pytestmark = pytest.mark.django_db


def test_person_create_derives_birth_and_sex_and_encrypts_at_rest():
    person = services.person_create(name="张三", id_number="320706194501011234", phone="13800138000")
    assert (person.birth_date, person.sex) == (dt.date(1945, 1, 1), "M")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, id_number_hash FROM identity_person WHERE id = %s", [person.pk])
        raw_id, raw_phone, raw_hash = cursor.fetchone()
    assert "320706194501011234" not in raw_id and raw_id.startswith("v1:")
    assert "13800138000" not in raw_phone
    assert "320706194501011234" not in raw_hash
    # The keyed hash finds the person from the number typed any way.
    assert services.person_find_by_id_number(" 320706 19450101 1234 ") == person
    assert Person.objects.get(pk=person.pk).id_number == "320706194501011234"
    assert AuditEvent.objects.filter(event_type="identity.person_created", target_id=str(person.pk)).exists()


def test_second_person_with_the_same_number_is_a_conflict():
    services.person_create(name="张三", id_number="320706194501011234")
    with pytest.raises(Conflict) as exc:
        services.person_create(name="张三丰", id_number="320706194501011234")
    assert "already registered" in str(exc.value.message)
    assert Person.objects.count() == 1


def test_invalid_input_reports_every_field_and_saves_nothing():
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(name="", id_number="110105194912310021", phone="123")
    assert set(exc.value.fields) == {"name", "id_number", "phone"}
    assert Person.objects.count() == 0


@pytest.mark.parametrize("name", ["买买提·艾力", "𠮷田花子", "欧阳𠮷·娜"])
def test_names_with_middle_dot_and_outside_the_bmp_are_stored_intact(name):
    person = services.person_create(name=name, id_number=make_id())
    assert Person.objects.get(pk=person.pk).name == name
    assert Person.objects.filter(name=name).count() == 1


def test_western_dot_variants_become_the_middle_dot():
    person = services.person_create(name="买买提•艾力", id_number=make_id())
    assert person.name == "买买提·艾力"


def test_relations_refuse_self_and_duplicates():
    parent = services.person_create(name="王芳", id_number=make_id())
    child = services.person_create(name="王小明", id_number=make_id(born=dt.date(2017, 3, 1)))
    services.person_relation_add(person=parent, relative=child, kind="guardian", detail="母亲", actor=None)
    with pytest.raises(Conflict):
        services.person_relation_add(person=parent, relative=child, kind="guardian", actor=None)
    with pytest.raises(ValidationFailed) as exc:
        services.person_relation_add(person=parent, relative=parent, kind="family", actor=None)
    assert "themselves" in exc.value.fields["relative"][0]
    with pytest.raises(ValidationFailed):
        services.person_relation_add(person=parent, relative=child, kind="neighbour", actor=None)
    assert PersonRelation.objects.count() == 1
    assert [r.relative for r in services.person_relations_of(child)] == [child]


def test_persons_in_care_of_is_self_plus_children_and_people_one_acts_for():
    user = User.objects.create_user(name="王芳", phone="13900000001")
    me = services.person_create(name="王芳", id_number=make_id(), user=user)
    child = services.person_create(name="王小明", id_number=make_id(born=dt.date(2017, 3, 1)))
    elder = services.person_create(name="王老汉", id_number=make_id(born=dt.date(1940, 3, 1)))
    stranger = services.person_create(name="李四", id_number=make_id())
    services.person_relation_add(person=me, relative=child, kind="guardian", actor=user)
    services.person_relation_add(person=me, relative=elder, kind="agent", actor=user)
    services.person_relation_add(person=stranger, relative=me, kind="family", actor=None)
    cared = services.persons_in_care_of(user=user)
    assert cared[0] == me
    assert set(cared) == {me, child, elder}
    assert services.persons_in_care_of(user=User.objects.create_user(name="无人")) == []


def test_family_member_add_creates_the_child_and_checks_names_of_known_people():
    user = User.objects.create_user(name="王芳", phone="13900000002")
    with pytest.raises(ValidationFailed):
        services.family_member_add(user=user, name="王小明", id_number=make_id(), kind="guardian")
    me = services.person_create(name="王芳", id_number=make_id(), user=user)
    number = make_id(born=dt.date(2016, 1, 1))
    relation = services.family_member_add(user=user, name="王小明", id_number=number, kind="guardian", detail="儿子")
    assert relation.person == me and relation.relative.name == "王小明"
    other = services.person_create(name="赵六", id_number=make_id())
    with pytest.raises(ValidationFailed) as exc:
        services.family_member_add(user=user, name="赵七", id_number=other.id_number, kind="family")
    assert "name" in exc.value.fields


def test_real_name_registration_uses_the_checksum_verifier_and_says_so():
    user = User.objects.create_user(name="陈晨", phone="13900000003")
    person = services.person_register_for_user(user=user, name="陈晨", id_number="320706194501011234")
    assert person.user == user
    assert person.verified_by == "checksum-only"
    assert person.verified_at is not None


# --- unmasking -------------------------------------------------------------------
@pytest.fixture
def citizen_person(regions):
    return services.person_create(
        name="刘洋", id_number="320706194501011234", phone="13812341234", residence_region=regions["haizhou"]
    )


def test_unmask_returns_the_number_and_writes_an_audit_entry(make_staff, citizen_person):
    officer = make_staff("case_officer", "pii_viewer", totp=True)
    value = services.person_unmask(
        actor=officer, person=citizen_person, field="id_number", reason="核对低保申请",
        second_factor_at=timezone.now(),
    )
    assert value == "320706194501011234"
    event = AuditEvent.objects.get(event_type="identity.unmask")
    assert event.actor == officer and event.target_id == str(citizen_person.pk)
    assert event.new_values == {"field": "id_number", "reason": "核对低保申请"}
    assert "320706194501011234" not in str(event.new_values)


def test_unmask_is_refused_without_the_permission(make_staff, citizen_person):
    officer = make_staff("case_officer", totp=True)
    with pytest.raises(NotAllowed):
        services.person_unmask(actor=officer, person=citizen_person, field="phone", reason="核对信息",
                               second_factor_at=timezone.now())
    assert not AuditEvent.objects.filter(event_type="identity.unmask").exists()


def test_unmask_is_refused_without_a_recent_second_factor(make_staff, citizen_person):
    officer = make_staff("pii_viewer", totp=True)
    for at in (None, timezone.now() - dt.timedelta(hours=13)):
        with pytest.raises(NotAllowed):
            services.person_unmask(actor=officer, person=citizen_person, field="phone", reason="核对信息",
                                   second_factor_at=at)
    unenrolled = make_staff("pii_viewer")
    with pytest.raises(NotAllowed):
        services.person_unmask(actor=unenrolled, person=citizen_person, field="phone", reason="核对信息",
                               second_factor_at=timezone.now())
    assert not AuditEvent.objects.filter(event_type="identity.unmask").exists()


def test_unmask_needs_a_reason(make_staff, citizen_person):
    officer = make_staff("pii_viewer", totp=True)
    with pytest.raises(ValidationFailed) as exc:
        services.person_unmask(actor=officer, person=citizen_person, field="phone", reason=" ",
                               second_factor_at=timezone.now())
    assert "reason" in exc.value.fields


def test_person_gate_applies_region_scope(make_staff, citizen_person, regions):
    assert person_get_for(user=make_staff("case_officer"), person_id=citizen_person.pk) == citizen_person
    elsewhere = make_staff("case_officer", region="lianyun")
    with pytest.raises(NotFound):
        person_get_for(user=elsewhere, person_id=citizen_person.pk)
    citizen = User.objects.create_user(name="市民")
    with pytest.raises(NotFound):
        person_get_for(user=citizen, person_id=citizen_person.pk)


def test_totp_codes_are_checked_and_not_replayed(make_staff):
    officer = make_staff("pii_viewer", totp=True)
    code = pyotp.TOTP(officer.totp_secret).now()
    assert services.totp_verify(user=officer, code=code) <= timezone.now()
    with pytest.raises(ValidationFailed) as exc:
        services.totp_verify(user=officer, code=code)
    assert "already used" in exc.value.fields["totp_code"][0]
    with pytest.raises(ValidationFailed):
        services.totp_verify(user=officer, code="000000" if code != "000000" else "111111")
