"""The set-up pages: terms and windows (the education bureau), fee-waiver rules (the city) and
waivers recorded by a school — each change audited, each record within the caller's scope."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.regions.models import Region

from ..models import Application, ApplicationWindow, FeeWaiverRule, Term
from ..services import setup as svc
from ..services.applications import application_submit
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


def _staff(role: str, *, organisation, region, name="职员"):
    user = f.user(name, is_staff=True)
    Role.objects.get_or_create(code=role, defaults={"title": role})
    RoleAssignment.objects.create(user=user, role_id=role, organisation=organisation, region=region)
    return user


@pytest.fixture
def city():
    """Two schools of one district; the city's programme manager, a district supervisor of another
    district, and each school's administrator."""
    mine, theirs = f.school("东小学"), f.school("西小学")
    bureau = Organisation.objects.create(name="市教育局", kind="department", region=f.region().parent)
    other_district = Region.objects.create(code="320707", prefix="320707", name="连云区", level="county",
                                           parent=f.region().parent)
    return {
        "mine": mine, "theirs": theirs, "other_district": other_district,
        "manager": _staff("education_supervisor", organisation=bureau, region=f.region().parent, name="市教育局"),
        "district": _staff("education_supervisor", organisation=bureau, region=other_district, name="连云区"),
        "admin": _staff("school_admin", organisation=mine, region=mine.region, name="东校"),
        "their_admin": _staff("school_admin", organisation=theirs, region=theirs.region, name="西校"),
    }


# --- services --------------------------------------------------------------------------
def test_the_city_manager_adds_and_changes_a_term_audited(city):
    term = svc.term_create(actor=city["manager"], name=" 2026秋季学期 ", school_year=2026,
                           starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 20))
    assert term.name == "2026秋季学期"
    svc.term_update(actor=city["manager"], term=term, name="2026秋季学期", school_year=2026,
                    starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 25))
    assert Term.objects.get(pk=term.pk).ends_on == date(2027, 1, 25)
    event = AuditEvent.objects.get(event_type="after_school.term_update")
    assert event.old_values == {"ends_on": "2027-01-20"} and event.new_values == {"ends_on": "2027-01-25"}
    with pytest.raises(ValidationFailed) as bad:
        svc.term_create(actor=city["manager"], name="x", school_year=2026, starts_on=date(2026, 9, 1),
                        ends_on=date(2026, 8, 1))
    assert "ends_on" in bad.value.fields


@pytest.mark.parametrize("who", ["admin", "district"])
def test_a_school_or_a_district_cannot_change_the_citys_terms_or_waiver_rules(city, who):
    with pytest.raises(NotAllowed):
        svc.term_create(actor=city[who], name="越权学期", school_year=2026, starts_on=date(2026, 9, 1),
                        ends_on=date(2027, 1, 20))
    with pytest.raises(NotAllowed):
        svc.waiver_rule_save(actor=city[who], category="dibao", term=None, waiver_percent=100)
    assert not Term.objects.filter(name="越权学期").exists() and not FeeWaiverRule.objects.exists()


def test_a_terms_school_year_stays_once_families_applied(city):
    off = f.offering(city["mine"])
    f.window(city["mine"])
    guardian, child = f.guardian_with_child(city["mine"])
    application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                       idempotency_key=f.key())
    term = off.term
    with pytest.raises(ValidationFailed) as refused:
        svc.term_update(actor=city["manager"], term=term, name=term.name, school_year=2026,
                        starts_on=term.starts_on, ends_on=term.ends_on)
    assert "school_year" in refused.value.fields


def test_a_window_changes_until_its_lottery_starts(city):
    window = f.window(city["mine"])
    closes = window.closes_at + timedelta(days=1)
    svc.window_update(actor=city["admin"], window=window, opens_at=window.opens_at, closes_at=closes,
                      accept_days=5, lower_grades_first=False, dual_working_first=True, keep_siblings_together=True)
    window.refresh_from_db()
    assert (window.closes_at, window.accept_days, window.lower_grades_first) == (closes, 5, False)
    event = AuditEvent.objects.get(event_type="after_school.window_update")
    assert set(event.new_values) == {"closes_at", "accept_days", "lower_grades_first"}
    ApplicationWindow.objects.filter(pk=window.pk).update(lottery_state="running")
    with pytest.raises(Conflict):
        svc.window_update(actor=city["admin"], window=window, opens_at=window.opens_at, closes_at=closes,
                          accept_days=3, lower_grades_first=True, dual_working_first=True,
                          keep_siblings_together=True)


def test_a_school_records_a_waiver_and_the_childs_application_is_repriced(city):
    svc.waiver_rule_save(actor=city["manager"], category="dibao", term=None, waiver_percent=100)
    svc.waiver_rule_save(actor=city["manager"], category="low_income", term=None, waiver_percent=40)
    svc.waiver_rule_save(actor=city["manager"], category="low_income", term=None, waiver_percent=50)  # changed
    assert FeeWaiverRule.objects.get(category="low_income").waiver_percent == 50
    off = f.offering(city["mine"], fee=Decimal("300"))
    f.window(city["mine"])
    guardian, child = f.guardian_with_child(city["mine"])
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                             idempotency_key=f.key())
    assert app.fee_due == Decimal("300.00")
    enrolment = child.after_school_enrolments.get()
    with pytest.raises(ValidationFailed) as no_evidence:
        svc.enrolment_waiver_record(actor=city["admin"], enrolment=enrolment, category="low_income", evidence="")
    assert "evidence" in no_evidence.value.fields
    svc.enrolment_waiver_record(actor=city["admin"], enrolment=enrolment, category="low_income",
                                evidence="低收入证明 海民字2026-031")
    saved = Application.objects.get(pk=app.pk)
    assert (saved.waiver_percent, saved.fee_due) == (50, Decimal("150.00"))
    event = AuditEvent.objects.get(event_type="after_school.waiver_record")
    assert event.actor == city["admin"] and event.old_values == {"family_category": ""}
    assert event.new_values == {"family_category": "low_income", "evidence": "低收入证明 海民字2026-031",
                                "applications_repriced": 1}


# --- pages -----------------------------------------------------------------------------
def test_the_city_manager_sets_up_a_term_and_its_city_wide_window_through_the_pages(client, city):
    client.force_login(city["manager"])
    r = client.post("/p/after_school/manage/terms/", {"name": "2026秋季学期", "school_year": "2026",
                                                      "starts_on": "2026-09-01", "ends_on": "2027-01-20"})
    assert r.status_code == 302
    term = Term.objects.get(name="2026秋季学期")
    r = client.post(f"/p/after_school/manage/terms/{term.pk}/", {
        "form": "window", "region": f.region().parent.pk, "opens_at": "2026-08-20T08:00",
        "closes_at": "2026-08-25T18:00", "accept_days": "3", "lower_grades_first": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    window = ApplicationWindow.objects.get(term=term)
    assert window.school is None and window.region == f.region().parent and window.seed_hash
    page = client.get(f"/p/after_school/manage/terms/{term.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全市" in page and 'value="2026-09-01"' in page  # the term's dates, as a date input reads them
    window_page = client.get(f"/p/after_school/manage/windows/{window.pk}/").content.decode()
    assert 'value="2026-08-20T08:00"' in window_page
    r = client.post(f"/p/after_school/manage/windows/{window.pk}/", {
        "opens_at": "2026-08-20T08:00", "closes_at": "2026-08-20T07:00", "accept_days": "3"})
    assert r.status_code == 422 and ApplicationWindow.objects.get(pk=window.pk).closes_at == window.closes_at


def test_a_school_admin_reads_the_city_window_but_cannot_change_it(client, city):
    window = f.window(city["mine"], opens=f.NOW - timedelta(days=3), closes=f.NOW - timedelta(hours=1))
    ApplicationWindow.objects.filter(pk=window.pk).update(school=None, region=f.region().parent)
    client.force_login(city["manager"])  # the bureau runs it: closed, its lottery can start
    assert 'name="form" value="lottery"' in client.get("/p/after_school/manage/").content.decode()
    client.force_login(city["admin"])
    page = client.get(f"/p/after_school/manage/windows/{window.pk}/")
    assert page.status_code == 200 and 'data-test="read-only"' in page.content.decode()
    assert 'data-test="window-edit"' not in page.content.decode()
    manage = client.get("/p/after_school/manage/").content.decode()
    assert f"/p/after_school/manage/windows/{window.pk}/" in manage and 'name="form" value="lottery"' not in manage
    before = ApplicationWindow.objects.get(pk=window.pk).closes_at
    r = client.post(f"/p/after_school/manage/windows/{window.pk}/", {
        "opens_at": "2026-02-01T08:00", "closes_at": "2026-03-01T08:00", "accept_days": "3"})
    assert r.status_code == 404 and ApplicationWindow.objects.get(pk=window.pk).closes_at == before
    # and the term page offers neither the term form nor an area window
    term_page = client.get(f"/p/after_school/manage/terms/{window.term_id}/").content.decode()
    assert 'data-test="term-edit"' not in term_page and 'data-test="area-window-new"' not in term_page
    assert client.post("/p/after_school/manage/terms/", {"name": "越权", "school_year": "2026",
                                                         "starts_on": "2026-09-01",
                                                         "ends_on": "2027-01-20"}).status_code == 404


def test_another_schools_window_and_student_are_not_found(client, city):
    their_window = f.window(city["theirs"])
    _g, their_child = f.guardian_with_child(city["theirs"])
    enrolment = their_child.after_school_enrolments.get()
    client.force_login(city["admin"])
    assert client.get(f"/p/after_school/manage/windows/{their_window.pk}/").status_code == 404
    assert client.get(f"/p/after_school/manage/waivers/students/{enrolment.pk}/").status_code == 404
    r = client.post(f"/p/after_school/manage/waivers/students/{enrolment.pk}/",
                    {"category": "dibao", "evidence": "越权"})
    assert r.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.family_category == ""
    page = client.get("/p/after_school/manage/waivers/", {"q": their_child.name[:2]}).content.decode()
    assert city["theirs"].name not in page


def test_a_district_supervisor_cannot_open_a_window_for_another_district(client, city):
    term = f.term()
    client.force_login(city["district"])
    r = client.post(f"/p/after_school/manage/terms/{term.pk}/", {
        "form": "window", "region": f.region().pk, "opens_at": "2026-08-20T08:00",
        "closes_at": "2026-08-25T18:00", "accept_days": "3"})
    assert r.status_code == 422
    assert not ApplicationWindow.objects.filter(term=term).exists()


def test_a_school_records_a_waiver_through_the_page(client, city):
    svc.waiver_rule_save(actor=city["manager"], category="dibao", term=None, waiver_percent=100)
    _g, child = f.guardian_with_child(city["mine"])
    enrolment = child.after_school_enrolments.get()
    client.force_login(city["admin"])
    page = client.get("/p/after_school/manage/waivers/", {"q": child.name}).content.decode()
    assert f"/p/after_school/manage/waivers/students/{enrolment.pk}/" in page
    assert 'data-test="waiver-rule-new"' not in page  # the city's rules are read-only here
    r = client.post(f"/p/after_school/manage/waivers/students/{enrolment.pk}/", {"category": "dibao", "evidence": ""})
    assert r.status_code == 422
    r = client.post(f"/p/after_school/manage/waivers/students/{enrolment.pk}/",
                    {"category": "dibao", "evidence": "低保证 32070600123"})
    assert r.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.family_category == "dibao"
    listed = client.get("/p/after_school/manage/waivers/").content.decode()
    assert child.name in listed


def test_the_set_up_lists_download_within_scope_and_are_audited(client, city):
    _g, mine_child = f.guardian_with_child(city["mine"], category="dibao")
    _g, their_child = f.guardian_with_child(city["theirs"], category="dibao")
    f.offering(city["mine"])
    f.offering(city["theirs"])
    f.window(city["mine"])
    client.force_login(city["admin"])
    rows = list(csv.reader(io.StringIO(client.get("/p/after_school/manage/waivers/", {"export": "csv"})
                                       .content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == city["mine"].name
    offerings = list(csv.reader(io.StringIO(client.get("/p/after_school/manage/", {"export": "csv"})
                                            .content.decode("utf-8-sig"))))
    assert [r[0] for r in offerings[1:]] == [city["mine"].name]
    windows = client.get("/p/after_school/manage/", {"list": "windows", "export": "xlsx"})
    assert windows.status_code == 200 and windows["Content-Type"].startswith("application/vnd.openxml")
    terms = list(csv.reader(io.StringIO(client.get("/p/after_school/manage/terms/", {"export": "csv"})
                                        .content.decode("utf-8-sig"))))
    assert terms[1][0] == f.term().name
    assert AuditEvent.objects.filter(event_type="exports.download").count() == 4


def test_the_set_up_lists_read_in_a_fixed_number_of_queries(client, city, django_assert_max_num_queries):
    for _ in range(3):
        f.offering(city["mine"])
        f.window(city["mine"])
    for _ in range(5):
        f.guardian_with_child(city["mine"], category="dibao")
    svc.waiver_rule_save(actor=city["manager"], category="dibao", term=None, waiver_percent=100)
    client.force_login(city["admin"])
    for url in ("/p/after_school/manage/", "/p/after_school/manage/terms/", f"/p/after_school/manage/terms/{f.term().pk}/",
                "/p/after_school/manage/waivers/"):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200
    big = f.guardian_with_child
    for _ in range(10):
        big(city["mine"], category="dibao")
        f.offering(city["mine"])
    for url in ("/p/after_school/manage/", "/p/after_school/manage/waivers/"):
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200


def test_only_the_city_manager_removes_a_waiver_rule(client, city):
    rule = svc.waiver_rule_save(actor=city["manager"], category="tekun", term=None, waiver_percent=100)
    client.force_login(city["admin"])
    assert client.post(f"/p/after_school/manage/waivers/rules/{rule.pk}/delete/").status_code == 302
    assert FeeWaiverRule.objects.filter(pk=rule.pk).exists()
    client.force_login(city["manager"])
    assert client.get(f"/p/after_school/manage/waivers/rules/{rule.pk}/delete/").status_code == 405
    assert client.post(f"/p/after_school/manage/waivers/rules/{rule.pk}/delete/").status_code == 302
    assert not FeeWaiverRule.objects.filter(pk=rule.pk).exists()
    event = AuditEvent.objects.get(event_type="after_school.waiver_rule_delete")
    assert event.actor == city["manager"] and event.old_values["waiver_percent"] == 100
