"""The panel office enrols someone who signed up on a paper form (volunteer_enrol_by_office): the
ID number checked by the platform's rules, the place of residence within the office's area, the
signed consent recorded, audited; another district's office can neither enrol into this pool nor
see the volunteer."""

from datetime import date

import pytest

from minsheng.audit.models import AuditEvent
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import id_number_make
from minsheng.identity.models import Person

from ..models import Volunteer
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
URL = "/p/evaluation_panels/manage/volunteers/"
ID_NUMBER = id_number_make(region_code="320706", birth_date=date(1968, 3, 9), sequence=123)


@pytest.fixture
def offices():
    haizhou, lianyun = f.district("320706"), f.district("320703")
    return {
        "haizhou": haizhou, "lianyun": lianyun,
        "mine": f.staff_user("panel_organiser", organisation=f.org("海州区人大"), region=haizhou),
        "theirs": f.staff_user("panel_organiser", organisation=f.org("连云区人大"), region=lianyun),
    }


def paper_form(region, **extra) -> dict:
    return {"name": "周桂兰", "phone": "139 0000 7001", "id_number": ID_NUMBER, "residence_region": region.pk,
            "occupation": "退休教师", "consent": "on", **extra}


def test_the_office_enrols_a_paper_sign_up_with_consent_and_an_audit_entry(client, offices):
    client.force_login(offices["mine"])
    assert 'data-test="volunteer-enrol"' in client.get(URL).content.decode()
    r = client.post(URL, paper_form(offices["haizhou"]))
    assert r.status_code == 302
    v = Volunteer.objects.select_related("person").get()
    assert (v.person.name, v.person.birth_date, v.district.code) == ("周桂兰", date(1968, 3, 9), "320706")
    assert v.person.id_number == ID_NUMBER and v.person.phone == "13900007001" and v.person.user_id is None
    assert v.consent_at is not None and v.enrolled_by == offices["mine"] and v.occupation == "退休教师"
    event = AuditEvent.objects.get(event_type="evaluation_panels.volunteer_enrol")
    assert event.actor_id == offices["mine"].pk and event.new_values["by_office"] is True
    assert "周桂兰" in client.get(URL).content.decode()


def test_an_account_with_the_same_number_is_linked_so_the_volunteer_can_answer_invitations(client, offices):
    citizen = f.user("周桂兰", phone="13900007001", phone_hash=keyed_hash("13900007001"))
    client.force_login(offices["mine"])
    client.post(URL, paper_form(offices["haizhou"]))
    assert Volunteer.objects.get().person.user == citizen


def test_a_wrong_id_number_missing_consent_and_a_second_enrolment_are_refused(client, offices):
    client.force_login(offices["mine"])
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    r = client.post(URL, paper_form(offices["haizhou"], id_number=bad))
    assert r.status_code == 422 and 'id="id_id_number_error"' in r.content.decode()
    r = client.post(URL, paper_form(offices["haizhou"], consent=""))
    assert r.status_code == 422
    assert not Volunteer.objects.exists() and not Person.objects.exists()
    assert client.post(URL, paper_form(offices["haizhou"])).status_code == 302
    r = client.post(URL, paper_form(offices["haizhou"]))
    assert r.status_code == 422 and "already in the panel pool" in r.content.decode()
    r = client.post(URL, paper_form(offices["haizhou"], name="周桂芳"))
    assert r.status_code == 422 and "does not match this ID number" in r.content.decode()
    assert Volunteer.objects.count() == 1


def test_another_districts_office_can_neither_enrol_into_this_pool_nor_see_it(client, offices):
    client.force_login(offices["theirs"])
    r = client.post(URL, paper_form(offices["haizhou"]))  # not a choice of theirs: refused by the form
    assert r.status_code == 422 and not Volunteer.objects.exists()
    client.force_login(offices["mine"])
    client.post(URL, paper_form(offices["haizhou"]), follow=True)
    v = Volunteer.objects.get()
    client.force_login(offices["theirs"])
    assert "周桂兰" not in client.get(URL).content.decode()
    assert client.get(f"{URL}{v.pk}/").status_code == 404


def test_the_service_refuses_a_place_outside_the_office_area(offices):
    from minsheng.core.errors import NotAllowed

    from .. import services

    with pytest.raises(NotAllowed):
        services.volunteer_enrol_by_office(actor=offices["theirs"], name="周桂兰", phone="13900007001",
                                           id_number=ID_NUMBER, residence_region=offices["haizhou"], consent=True)
    assert not Volunteer.objects.exists()


def test_a_citizen_or_a_lead_unit_officer_cannot_enrol(client, offices):
    client.force_login(f.person("李娜").user)
    assert client.post(URL, paper_form(offices["haizhou"])).status_code in (302, 403)
    client.force_login(f.staff_user("project_unit_officer", region=offices["haizhou"]))
    assert client.post(URL, paper_form(offices["haizhou"])).status_code == 403
    assert not Volunteer.objects.exists()


def _sheet(rows) -> bytes:
    head = "姓名,手机号码,公民身份号码,居住地代码,职业,已签同意书\n"
    return (head + "".join(",".join(r) + "\n" for r in rows)).encode("utf-8")


def test_a_community_offices_list_is_imported_all_or_nothing_within_the_office_area(
        client, offices, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minsheng.imports.models import ImportJob

    second = id_number_make(region_code="320706", birth_date=date(1975, 7, 1), sequence=88)
    good = [("周桂兰", "13900007001", ID_NUMBER, "320706", "退休教师", "是"),
            ("吴建国", "13900007002", second, "320706", "", "是")]
    client.force_login(offices["mine"])
    assert "evaluation_panels.volunteers" in client.get("/imports/").content.decode()
    bad = [*good, ("郑秀英", "13900007003", ID_NUMBER[:-1] + "0", "320706", "", "否")]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/", {"importer": "evaluation_panels.volunteers", "dry_run": "",
                                  "file": SimpleUploadedFile("名单.csv", _sheet(bad), content_type="text/csv")})
    assert not Volunteer.objects.exists()  # a bad row: nothing written
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/", {"importer": "evaluation_panels.volunteers", "dry_run": "",
                                  "file": SimpleUploadedFile("名单.csv", _sheet(good), content_type="text/csv")})
    job = ImportJob.objects.order_by("-pk").first()
    assert sorted(Volunteer.objects.values_list("person__name", flat=True)) == ["吴建国", "周桂兰"], (job.state, job.message, job.errors[:3])
    assert all(v.consent_at and v.enrolled_by == offices["mine"] for v in Volunteer.objects.all())

    client.force_login(offices["theirs"])  # 连云区's office: 海州区 is not its area
    Volunteer.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/", {"importer": "evaluation_panels.volunteers", "dry_run": "",
                                  "file": SimpleUploadedFile("名单.csv", _sheet(good), content_type="text/csv")})
    assert not Volunteer.objects.exists()
    assert ImportJob.objects.count() == 3


API = "/api/v1/evaluation_panels/manage/volunteers"


def api_post(client, data, **headers):
    return client.post(API, data, content_type="application/json", **headers)


def test_the_office_enrols_by_api_with_the_same_checks_as_the_page(client, offices):
    form = {"name": "周桂兰", "phone": "139 0000 7001", "id_number": ID_NUMBER, "residence_region": "320706",
            "occupation": "退休教师", "consent": True}
    client.force_login(f.person("李娜").user)
    assert api_post(client, form).status_code == 403  # a citizen
    client.force_login(offices["theirs"])
    outside = api_post(client, form)  # 连云区's office, a 海州区 resident
    assert outside.status_code == 403 and "residence_region" in outside.json()["fields"]
    client.force_login(offices["mine"])
    no_consent = api_post(client, {**form, "consent": False}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert no_consent.status_code == 422 and "consent" in no_consent.json()["fields"]
    assert "同意书" in no_consent.json()["message"]  # in the reader's language
    wrong_check_digit = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
    assert api_post(client, {**form, "id_number": wrong_check_digit}).status_code == 422
    assert api_post(client, {**form, "residence_region": "999999"}).json()["fields"].keys() == {"residence_region"}
    assert not Volunteer.objects.exists()
    made = api_post(client, form)
    assert made.status_code == 201, made.content
    v = Volunteer.objects.select_related("person", "district").get()
    assert made.json() == {"id": v.pk, "number": v.number, "district": v.district.name, "occupation": "退休教师",
                           "is_active": True}
    assert v.person.phone == "13900007001" and v.enrolled_by == offices["mine"]  # the number as stored
    assert AuditEvent.objects.filter(event_type="evaluation_panels.volunteer_enrol", actor=offices["mine"]).count() == 1
    assert api_post(client, form).status_code == 409  # already in the pool
