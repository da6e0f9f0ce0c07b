"""The supervision figures as a download (minsheng.imports.exports): the rows the page shows.

``supervision_export_rows`` reads the page's ``by`` and ``region`` the way the page does.
"""

from django.utils.translation import gettext_lazy as _

from minsheng.imports.exports import ExportColumn, ListExport

from .selectors.supervision import supervision_rows


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
