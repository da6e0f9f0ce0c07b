"""The supervision figures as a download (minsheng.imports.exports): the rows the page shows.

``supervision_export_rows`` reads the page's ``by`` and ``region`` the way the page does.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.imports.exports import ExportColumn, ListExport

from .selectors.family import current_term
from .selectors.setup import enrolments_for, terms_list
from .selectors.supervision import offerings_for_staff, supervision_rows, windows_for_staff


def supervision_export_rows(*, user, params):
    by = "school" if params.get("by") == "school" else "district"
    prefix = "".join(c for c in params.get("region", "") if c.isdigit())[:12]
    return supervision_rows(user=user, by=by, region_prefix=prefix)


SUPERVISION = ListExport(
    key="minsheng.programs.after_school.exports:SUPERVISION",
    title=_("after-school supervision"),
    columns=[
        ExportColumn(_("District or school"), lambda r: r["name"]),
        ExportColumn(_("Students"), lambda r: r["students"]),
        ExportColumn(_("In care"), lambda r: r["enrolled_in_care"]),
        ExportColumn(_("Coverage (%)"), lambda r: r["coverage_percent"]),
        ExportColumn(_("Teachers serving"), lambda r: r["teachers_serving"]),
        ExportColumn(_("Teachers"), lambda r: r["teachers"]),
        ExportColumn(_("Party members among them (%)"), lambda r: r["party_share_percent"]),
        ExportColumn(_("Sessions held"), lambda r: r["sessions_held"]),
        ExportColumn(_("Attendance (%)"), lambda r: r["attendance_percent"]),
        ExportColumn(_("Fees due (yuan)"), lambda r: r["fees_due"]),
        ExportColumn(_("Fee waivers"), lambda r: r["waived_applications"]),
        ExportColumn(_("Parent ratings"), lambda r: r["ratings"]),
        ExportColumn(_("Parent satisfaction (%)"), lambda r: r["satisfaction_percent"]),
    ],
    rows=supervision_export_rows,
)


# --- the set-up lists (views/manage.py, views/setup.py): the rows each page shows ---------
def _days(offering) -> str:
    return "、".join(f"{d.weekday_name} {d.taken}/{d.capacity}" for d in offering.days.all())


def offerings_export_rows(*, user, params):
    return offerings_for_staff(user=user, term=current_term())


OFFERINGS = ListExport(
    key="minsheng.programs.after_school.exports:OFFERINGS",
    title=_("after-school offerings"),
    columns=[
        ExportColumn(_("School"), lambda o: o.host.name),
        ExportColumn(_("Offering"), lambda o: o.title),
        ExportColumn(_("kind"), lambda o: o.get_kind_display()),
        ExportColumn(_("activity"), lambda o: o.get_activity_display()),
        ExportColumn(_("starts at"), lambda o: o.start_time.strftime("%H:%M")),
        ExportColumn(_("ends at"), lambda o: o.end_time.strftime("%H:%M")),
        ExportColumn(_("lowest grade"), lambda o: o.grade_min),
        ExportColumn(_("highest grade"), lambda o: o.grade_max),
        ExportColumn(_("Places taken per day"), _days),
        ExportColumn(_("fee (yuan)"), lambda o: o.fee),
        ExportColumn(_("fee basis"), lambda o: o.get_fee_basis_display()),
        ExportColumn(_("allocation"), lambda o: o.get_allocation_display()),
    ],
    rows=offerings_export_rows,
)


def windows_export_rows(*, user, params):
    qs = windows_for_staff(user=user).select_related("region")
    term = "".join(c for c in params.get("term", "") if c.isdigit())
    return qs.filter(term_id=int(term)) if term else qs


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


WINDOWS = ListExport(
    key="minsheng.programs.after_school.exports:WINDOWS",
    title=_("application windows"),
    columns=[
        ExportColumn(_("term"), lambda w: w.term.name),
        ExportColumn(_("School"), lambda w: w.school.name if w.school_id else _("city-wide") if w.region.level in (
            "city", "province") else w.region.name),
        ExportColumn(_("opens at"), lambda w: _when(w.opens_at)),
        ExportColumn(_("closes at"), lambda w: _when(w.closes_at)),
        ExportColumn(_("days to accept an offered place"), lambda w: w.accept_days),
        ExportColumn(_("Lottery"), lambda w: w.get_lottery_state_display()),
        ExportColumn(_("SHA-256 of the seed"), lambda w: w.seed_hash),
        ExportColumn(_("results published"), lambda w: _when(w.results_published_at)),
    ],
    rows=windows_export_rows,
)


def terms_export_rows(*, user, params):
    return terms_list()


TERMS = ListExport(
    key="minsheng.programs.after_school.exports:TERMS",
    title=_("terms"),
    columns=[
        ExportColumn(_("name"), lambda t: t.name),
        ExportColumn(_("school year"), lambda t: t.school_year),
        ExportColumn(_("starts on"), lambda t: t.starts_on),
        ExportColumn(_("ends on"), lambda t: t.ends_on),
        ExportColumn(_("Offerings"), lambda t: t.n_offerings),
        ExportColumn(_("Application windows"), lambda t: t.n_windows),
    ],
    rows=terms_export_rows,
)


def waived_export_rows(*, user, params):
    term = current_term()
    return enrolments_for(user=user, params=params, school_year=term.school_year if term else None)


WAIVED_STUDENTS = ListExport(
    key="minsheng.programs.after_school.exports:WAIVED_STUDENTS",
    title=_("students with a fee waiver"),
    columns=[
        ExportColumn(_("School"), lambda e: e.school.name),
        ExportColumn(_("class"), lambda e: e.class_group.name),
        ExportColumn(_("student"), lambda e: e.student.name),
        ExportColumn(_("family category"), lambda e: e.get_family_category_display()),
    ],
    rows=waived_export_rows,
)
