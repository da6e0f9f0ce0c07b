"""The year in the life's after-school part: the city's education supervisor adds the term and
opens the application window for the city's schools (manage/terms/), the school's administrator
creates a lottery offering (manage/)."""

from __future__ import annotations

from minsheng.access.models import Organisation

TERM = "2026–2027学年第二学期"


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
