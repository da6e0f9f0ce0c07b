"""机构设置: administrators set up organisations only under those they run, within their region."""

import csv
import io

import pytest
from django.urls import reverse

from minsheng.access.models import Organisation
from minsheng.access.services import organisation_create, organisation_update
from minsheng.audit.models import AuditEvent
from minsheng.core.errors import NotAllowed, ValidationFailed

pytestmark = pytest.mark.django_db


def test_a_district_government_admin_sets_up_a_bureau_in_its_district_audited(city, client):
    r, o, users = city
    client.force_login(users["district_admin"])
    response = client.post(reverse("workbench:organisations"), {
        "name": "海州区教育局", "kind": "department", "department_code": "education",
        "parent": o["haizhou_gov"].pk, "region": "",
    })
    created = Organisation.objects.get(name="海州区教育局")
    assert response.status_code == 302 and response["Location"] == reverse("workbench:organisation", args=[created.pk])
    assert (created.region, created.parent, created.department_code) == (r["haizhou"], o["haizhou_gov"], "education")
    event = AuditEvent.objects.get(event_type="access.organisation_created", target_id=str(created.pk))
    assert event.actor == users["district_admin"] and event.new_values["region"] == "320706"


def test_no_one_sets_up_an_organisation_outside_their_region_or_under_one_they_do_not_run(city):
    r, o, users = city
    with pytest.raises(NotAllowed):  # another district
        organisation_create(actor=users["district_admin"], name="东海县教育局", kind="department", region=r["donghai"])
    with pytest.raises(NotAllowed):  # under another school, though in the same district
        organisation_create(actor=users["school_admin"], name="二小分校", kind="school",
                            region=r["haizhou"], parent=o["other_school"])
    with pytest.raises(NotAllowed):  # only a government's administrator creates top-level departments
        organisation_create(actor=users["school_admin"], name="新机构", kind="other", region=r["haizhou"])
    branch = organisation_create(actor=users["school_admin"], name="海州实验小学分校", kind="school",
                                 region=r["haizhou"], parent=o["school"])
    assert branch.parent == o["school"]
    assert not Organisation.objects.filter(name__in=["东海县教育局", "二小分校", "新机构"]).exists()


def test_changes_are_checked_and_audited_with_old_and_new_values(city):
    r, o, users = city
    school = o["school"]
    organisation_update(actor=users["school_admin"], organisation=school, address="海州区朝阳路 1 号")
    event = AuditEvent.objects.get(event_type="access.organisation_changed", target_id=str(school.pk))
    assert event.old_values == {"address": ""} and event.new_values == {"address": "海州区朝阳路 1 号"}
    with pytest.raises(NotAllowed):  # the school's administrator does not run the other school
        organisation_update(actor=users["school_admin"], organisation=o["other_school"], name="改名")
    with pytest.raises(NotAllowed):  # nor may it move its school to another district
        organisation_update(actor=users["school_admin"], organisation=school, region=r["donghai"])
    with pytest.raises(ValidationFailed) as bad:
        organisation_update(actor=users["city_admin"], organisation=o["gov"], parent=o["haizhou_gov"])
    assert "parent" in bad.value.fields  # a cycle: the district government sits under the city's
    with pytest.raises(ValidationFailed) as bad:
        organisation_update(actor=users["city_admin"], organisation=school, credit_code="12345")
    assert "credit_code" in bad.value.fields
    school.refresh_from_db()
    assert (school.name, school.region, school.credit_code) == ("海州实验小学", r["haizhou"], "")


def test_the_list_shows_only_what_the_admin_runs_and_exports_it(city, client):
    r, o, users = city
    client.force_login(users["district_admin"])
    page = client.get(reverse("workbench:organisations"))
    names = {row.name for row in page.context["page"]}
    assert "海州实验小学" in names and "东海县民政局" not in names and "连云港市人民政府" not in names
    download = client.get(reverse("workbench:organisations") + "?export=csv&kind=school")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"海州实验小学", "海州第二小学"}
    assert AuditEvent.objects.filter(event_type="exports.download", actor=users["district_admin"]).count() == 1


def test_another_districts_organisation_is_not_found_and_the_form_says_what_is_wrong(city, client):
    r, o, users = city
    client.force_login(users["district_admin"])
    assert client.get(reverse("workbench:organisation", args=[o["donghai_civil"].pk])).status_code == 404
    response = client.post(reverse("workbench:organisation", args=[o["school"].pk]), {
        "name": "海州实验小学", "kind": "school", "parent": "", "region": "", "is_active": "on",
    })
    assert response.status_code == 422
    assert "请输入区划代码，或选择上级单位。" in response.content.decode()
    client.force_login(users["school_admin"])  # not a page for a school's own staff administrator's peers
    assert client.get(reverse("workbench:organisation", args=[o["other_school"].pk])).status_code == 404


def test_the_list_costs_the_same_statements_for_many_organisations(city, client, django_assert_max_num_queries):
    r, o, users = city
    client.force_login(users["city_admin"])
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("workbench:organisations"))
    for i in range(30):
        Organisation.objects.create(name=f"海州第{i}幼儿园", kind="school", region=r["haizhou"], parent=o["haizhou_gov"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("workbench:organisations"))
