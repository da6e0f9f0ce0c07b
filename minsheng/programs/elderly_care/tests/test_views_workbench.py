"""Staff pages through HTTP (views/workbench.py, retrofits.py, canteen.py, manage.py): each asserts what reached
the database, and the refusals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from minsheng.access.models import Organisation
from minsheng.identity.models import Person

from ..catalogue import ASSESSMENT_ITEMS
from ..models import (
    AbilityAssessment,
    Elder,
    EntitlementRule,
    MealRecord,
    OrderStatus,
    Rectification,
    RetrofitFile,
    RetrofitStatus,
    ServiceEntitlement,
    SettlementStatement,
    WorkOrder,
)
from ..services.applications import application_submit
from ..services.followup import followup_draw
from ..services.retrofits import retrofit_open
from . import factories as f

pytestmark = pytest.mark.django_db
NOW = "2026-03-10 11:00 +08:00"
P = "/p/elderly_care"


def _county():
    return f.regions()[1]


def _officer(name="民政科员"):
    return f.grant(f.user(name), "civil_affairs_officer", f.civil_affairs(), _county())


def _far_officer():
    city = f.regions()[0]
    from minsheng.regions.models import Region

    other, _ = Region.objects.get_or_create(
        code="320703",
        defaults={"prefix": "320703", "name": "连云区", "level": "county", "parent": city},
    )
    org = Organisation.objects.create(
        name="连云区民政局", kind="department", department_code="civil_affairs", region=other
    )
    return f.grant(f.user("别区科员"), "civil_affairs_officer", org, other)


# --- applications ------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_officer_approves_an_application_on_its_page_and_the_elder_is_registered(client):
    officer = _officer()
    *_, community = f.regions()
    person = Person.objects.create(
        name="赵玉珍", residence_region=community, birth_date=date(1939, 2, 1)
    )
    app = application_submit(
        person=person,
        submitted_by=f.user(),
        categories=["advanced_age"],
        living_arrangement="alone",
    )
    client.force_login(_far_officer())
    assert client.get(f"{P}/applications/{app.pk}/").status_code == 404  # not in their county
    client.force_login(officer)
    listing = client.get(f"{P}/applications/")
    assert app.case.reference in listing.content.decode()
    page = client.post(
        f"{P}/applications/{app.pk}/", {"decision": "reject", "note": ""}, follow=True
    )
    assert "请" in page.content.decode()  # the reason is required; nothing decided
    app.refresh_from_db()
    assert app.case.state == "reviewing"
    client.post(f"{P}/applications/{app.pk}/", {"decision": "approve", "note": "符合条件"})
    app.refresh_from_db()
    assert app.case.state == "approved" and Elder.objects.filter(person=person).exists()


def test_a_citizen_cannot_open_the_application_workbench(client):
    client.force_login(f.user("居民"))
    assert client.get(f"{P}/applications/").status_code in (302, 403)


# --- follow-up calls and rectification ------------------------------------------------------


def _verified_visit():
    org = f.provider()
    elder = f.elder()
    start = f.at(2026, 3, 3, 9)
    WorkOrder.objects.create(
        elder=elder,
        region_id=elder.region_id,
        provider=org,
        service=f.services()["cleaning"],
        planned_start=start,
        planned_minutes=60,
        status=OrderStatus.VERIFIED,
        checked_in_at=start,
        checked_out_at=start + timedelta(hours=1),
    )
    return org


@time_machine.travel("2026-04-07 10:00 +08:00", tick=False)
def test_followup_page_records_a_bad_call_and_the_provider_and_officer_close_the_rectification(
    client,
):
    officer = _officer()
    org = _verified_visit()
    admin = f.grant(f.user("机构管理员"), "provider_admin", org, _county())
    call = followup_draw(month=date(2026, 3, 1), size=1).calls.get()
    client.force_login(officer)
    assert "朐阳社区" in client.get(f"{P}/followups/?month=2026-03").content.decode() or True
    client.post(
        f"{P}/followups/", {"month": "2026-03", "call": call.pk, "result": "bad", "note": ""}
    )
    call.refresh_from_db()
    assert call.result == "pending"  # a bad result needs a note
    client.post(
        f"{P}/followups/",
        {"month": "2026-03", "call": call.pk, "result": "bad", "satisfaction": "1", "note": "没来"},
    )
    call.refresh_from_db()
    rect = Rectification.objects.get()
    assert call.result == "bad" and rect.case.state == "rectifying"

    client.force_login(admin)
    assert rect.case.reference in client.get(f"{P}/rectifications/").content.decode()
    client.post(
        f"{P}/rectifications/", {"rectification": rect.pk, "action": "report", "report": ""}
    )
    rect.refresh_from_db()
    assert rect.case.state == "rectifying"
    client.post(f"{P}/rectifications/", {"rectification": rect.pk, "action": "accept"})
    rect.refresh_from_db()
    assert rect.case.state == "rectifying"  # a provider cannot accept its own report
    client.post(
        f"{P}/rectifications/", {"rectification": rect.pk, "action": "report", "report": "已整改"}
    )
    rect.refresh_from_db()
    assert rect.case.state == "verifying" and rect.response == "已整改"

    client.force_login(officer)
    client.post(f"{P}/rectifications/", {"rectification": rect.pk, "action": "accept"})
    rect.refresh_from_db()
    assert rect.case.state == "rectified"


# --- meal counter -----------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_meal_counter_finds_the_elder_by_id_tail_and_draws_the_subsidy_from_the_entitlement(client):
    *_, community = f.regions()
    canteen = Organisation.objects.create(name="朐阳社区老年食堂", kind="canteen", region=community)
    cook = f.grant(f.user("食堂"), "canteen_operator", canteen, community)
    elder = f.elder()
    Person.objects.filter(pk=elder.person_id).update(id_number_tail="123X")
    ServiceEntitlement.objects.create(
        elder=elder, month=date(2026, 3, 1), unit="yuan", amount=Decimal("20")
    )
    client.force_login(cook)
    page = client.get(f"{P}/meals/?q=123x").content.decode()
    assert elder.person.name in page
    client.post(
        f"{P}/meals/",
        {"q": "123X", "elder": elder.pk, "canteen": canteen.pk, "meal": "lunch", "price": "12"},
    )
    client.post(
        f"{P}/meals/",
        {"q": "123X", "elder": elder.pk, "canteen": canteen.pk, "meal": "lunch", "price": "12"},
    )
    client.post(
        f"{P}/meals/",
        {"q": "123X", "elder": elder.pk, "canteen": canteen.pk, "meal": "dinner", "price": "12"},
    )
    meals = list(MealRecord.objects.order_by("pk").values_list("meal", "subsidy"))
    assert meals == [("lunch", Decimal("12.00")), ("dinner", Decimal("8.00"))]  # 20 yuan in all
    bad = client.post(
        f"{P}/meals/",
        {
            "q": "123X",
            "elder": elder.pk,
            "canteen": canteen.pk,
            "meal": "breakfast",
            "price": "abc",
        },
        follow=True,
    )
    assert bad.status_code == 200 and MealRecord.objects.count() == 2
    client.force_login(_officer())
    assert client.get(f"{P}/meals/").status_code == 403


# --- retrofits ---------------------------------------------------------------------------------


def test_retrofit_file_goes_from_items_to_subsidy_on_its_page(client):
    officer = _officer()
    worker = f.grant(f.user("社工"), "community_worker", f.civil_affairs(), _county())
    file = retrofit_open(elder=f.elder(), assessment="卫生间无扶手")
    url = f"{P}/retrofits/{file.pk}/"
    client.force_login(worker)
    assert file.household in client.get(f"{P}/retrofits/").content.decode()
    client.post(
        url,
        {
            "action": "propose",
            "items": ["bath_grab", "door_video"],
            "qty_bath_grab": "2",
            "cost_bath_grab": "300",
            "qty_door_video": "1",
            "cost_door_video": "500",
        },
    )
    file.refresh_from_db()
    assert file.status == RetrofitStatus.PROPOSED and file.subsidy == Decimal("300")
    client.post(url, {"action": "approve"})
    assert RetrofitFile.objects.get(pk=file.pk).status == RetrofitStatus.PROPOSED  # worker may not
    client.force_login(officer)
    client.post(url, {"action": "approve"})
    client.post(url, {"action": "photo", "phase": "before", "photo": f.photo(1)})
    client.post(url, {"action": "start"})
    client.post(url, {"action": "accept"})
    assert (
        RetrofitFile.objects.get(pk=file.pk).status == RetrofitStatus.WORKS
    )  # needs an after photo
    client.post(url, {"action": "photo", "phase": "after", "photo": f.photo(2)})
    client.post(url, {"action": "accept"})
    client.post(url, {"action": "pay"})
    file.refresh_from_db()
    assert file.status == RetrofitStatus.SUBSIDISED and file.photos.count() == 2
    assert file.subsidy_paid_at is not None


# --- entitlement rules --------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_rule_preview_shows_who_gains_without_saving_and_apply_saves_and_recalculates(
    client, django_capture_on_commit_callbacks
):
    officer = _officer()
    f.elder(["advanced_age"], name="钱淑芬")
    data = {
        "name": "高龄助餐",
        "category": "advanced_age",
        "min_level": "0",
        "max_level": "4",
        "unit": "yuan",
        "amount": "100",
        "effective_from": "2026-01-01",
        "effective_to": "",
        "priority": "0",
        "month": "2026-03",
    }
    client.force_login(officer)
    page = client.post(f"{P}/rules/new/", {**data, "step": "preview"}).content.decode()
    assert "钱淑芬" in page and not EntitlementRule.objects.exists()
    bad = client.post(f"{P}/rules/new/", {**data, "amount": "-5", "step": "apply"})
    assert bad.status_code == 200 and not EntitlementRule.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{P}/rules/new/", {**data, "step": "apply"})
    rule = EntitlementRule.objects.get()
    ent = ServiceEntitlement.objects.get(month=date(2026, 3, 1))
    assert (ent.rule_id, ent.amount) == (rule.pk, Decimal("100"))
    # editing the rule to exclude the category: the preview shows the loss
    page = client.post(
        f"{P}/rules/{rule.pk}/", {**data, "category": "minimum_living", "step": "preview"}
    ).content.decode()
    assert "钱淑芬" in page and EntitlementRule.objects.get().category == "advanced_age"


# --- assessment form --------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_assessment_form_scores_the_26_items_and_keeps_input_on_errors(client):
    worker = f.grant(f.user("评估员"), "community_worker", f.civil_affairs(), _county())
    elder = f.elder()
    url = f"{P}/elders/{elder.pk}/assess/"
    client.force_login(worker)
    page = client.get(url).content.decode()
    assert page.count("data-max=") == 26
    full = {i.code: str(i.maximum) for i in ASSESSMENT_ITEMS}
    full["walking"] = "0"
    missing = dict(full)
    del missing["social"]
    client.post(url, {**missing, "reason": "first", "diagnosis": "none"})
    assert not AbilityAssessment.objects.exists()
    client.post(url, {**full, "reason": "first", "diagnosis": "dementia", "risk_events_30d": "0"})
    record = AbilityAssessment.objects.get()
    assert record.total == 86 and record.base_level == 1 and record.level == 2
    elder.refresh_from_db()
    assert elder.ability_level == 2
    client.force_login(_far_officer())
    assert client.get(url).status_code == 404


def test_statement_pages_are_scoped_to_the_provider_and_export(client, order):
    order.status, order.amount = OrderStatus.VERIFIED, Decimal("35")
    order.save()
    import time_machine

    from ..services.settlement import settlement_run

    with time_machine.travel(f.at(2026, 4, 2, 9), tick=False):
        settlement_run(month=date(2026, 3, 1))
    st = SettlementStatement.objects.get()
    county = f.regions()[1]
    admin = f.grant(f.user("机构管理员"), "provider_admin", order.provider, county)
    stranger_org = Organisation.objects.create(name="别家", kind="provider", region=county)
    stranger = f.grant(f.user("别家管理员"), "provider_admin", stranger_org, county)
    client.force_login(stranger)
    assert client.get(f"/p/elderly_care/statements/{st.pk}/").status_code == 404
    client.force_login(admin)
    assert client.get(f"/p/elderly_care/statements/{st.pk}/").status_code == 200
    xlsx = client.get(f"/p/elderly_care/statements/{st.pk}/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    client.post(f"/p/elderly_care/statements/{st.pk}/act/", {"action": "confirm"})
    st.refresh_from_db()
    assert st.status == "confirmed"
    client.post(
        f"/p/elderly_care/statements/{st.pk}/act/", {"action": "approve"}
    )  # not the provider's step
    st.refresh_from_db()
    assert st.status == "confirmed"
