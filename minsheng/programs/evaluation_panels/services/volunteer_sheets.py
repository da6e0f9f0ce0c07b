"""Paper sign-ups in bulk: the community offices' lists of people who signed the consent and
pledge form, uploaded by the panel office through minsheng.imports (dry run, row-by-row errors,
progress, error report download).

One row per person: name, mobile number, resident ID number, the division code of the street or
community where they live, occupation (optional) and whether the consent form is signed. Each row
is checked first (ID number by the platform's rules, a known place, consent "是"); the import is
all-or-nothing. Whether each place lies in the uploader's area is checked when the rows are written
(the shared row checks do not know the uploader): a place outside it stops the whole import and
nothing is written. Each person is enrolled by ``volunteer_enrol_by_office``, as on the pool page.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.core.errors import ValidationFailed
from minsheng.imports.base import Column, Importer, parsers
from minsheng.regions.models import Region

from .panels import volunteer_enrol_by_office

IMPORTER_KEY = "evaluation_panels.volunteers"
YES = {"是": True, "已签": True, "yes": True, "Y": True, "y": True, "1": True,
       "否": False, "未签": False, "no": False, "N": False, "n": False, "0": False}


def parse_id_number(raw) -> str:
    from minsheng.identity.idnumbers import id_number_validate

    try:
        return id_number_validate(str(raw or "")).number
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message) from None


def parse_region(raw) -> str:
    code = str(raw or "").strip()
    region = Region.objects.filter(code=code).exclude(level__in=["province", "city"]).first()
    if region is None:
        raise ValidationFailed(
            _("No district, street or community has the code %(code)s. Use the division code, e.g. 320706006.")
            % {"code": code})
    return region.code


def validate_row(values: dict) -> None:
    if not values.get("consent"):
        raise ValidationFailed(_("Only people who have signed the consent and pledge form can be enrolled. Remove this row."))


def save_rows(rows: list[dict], job) -> int:
    places = Region.objects.in_bulk({row["residence_region"] for row in rows})
    with transaction.atomic():
        for row in rows:
            volunteer_enrol_by_office(actor=job.created_by, name=row["name"], phone=row["phone"],
                                      id_number=row["id_number"], residence_region=places[row["residence_region"]],
                                      occupation=row.get("occupation") or "", consent=row["consent"])
    return len(rows)


IMPORTERS = [
    Importer(
        key=IMPORTER_KEY,
        title=gettext_lazy("evaluation panels: volunteers who signed up on paper"),
        columns=[
            Column("name", ("姓名", "name"), parsers.text(max_length=50)),
            Column("phone", ("手机号码", "手机", "phone"), parsers.phone),
            Column("id_number", ("公民身份号码", "身份证号", "id_number"), parse_id_number),
            Column("residence_region", ("居住地代码", "居住地", "residence"), parse_region),
            Column("occupation", ("职业", "occupation"), parsers.text(max_length=60), required=False),
            Column("consent", ("已签同意书", "同意书", "consent"), parsers.choice(YES)),
        ],
        natural_key=("id_number",),
        validate_row=validate_row,
        save_rows=save_rows,
        all_or_nothing=True,
        roles=("panel_organiser",),
        description=gettext_lazy(
            "One row per person who signed the consent and pledge form: name, mobile number, resident ID number, "
            "the division code of the street or community where they live, occupation (optional), consent signed (是). "
            "Nothing is written while any row has an error."
        ),
    ),
]
