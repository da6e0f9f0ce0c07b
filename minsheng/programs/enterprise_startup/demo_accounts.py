"""企业开办 — the program's demo sign-ins: the bank and each department's step (Haizhou district)."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from minsheng.access.models import Organisation, OrganisationKind
from minsheng.cases.models import CaseTask
from minsheng.core.registry import DemoAccount

DISTRICT = "320706"

ACCOUNTS = [
    DemoAccount(
        login="bank_demo", roles=("case_officer", "bank_officer"), region="320700",
        organisation="minsheng.programs.enterprise_startup.demo_accounts:demo_bank",
        title=_("bank account officer"),
        try_this=_("Workbench inbox: open the bank account of a start-up that chose this bank"),
        order=10,
    ),
    DemoAccount(
        login="market_regulation_haizhou", roles=("case_officer",),
        organisation=f"department:market_regulation@{DISTRICT}",
        title=_("licence officer, market regulation"),
        try_this=_("Workbench inbox: issue the business licence of a start-up"),
        order=11,
    ),
    DemoAccount(
        login="public_security_haizhou", roles=("case_officer",),
        organisation=f"department:public_security@{DISTRICT}",
        title=_("seal officer, public security"),
        try_this=_("Workbench inbox: record the company's seals"),
        order=12,
    ),
    DemoAccount(
        login="tax_haizhou", roles=("case_officer",), organisation=f"department:tax@{DISTRICT}",
        title=_("tax officer"), try_this=_("Workbench inbox: register the company for tax"), order=13,
    ),
    DemoAccount(
        login="human_resources_haizhou", roles=("case_officer",),
        organisation=f"department:human_resources@{DISTRICT}",
        title=_("social insurance officer"),
        try_this=_("Workbench inbox: open the company's social insurance account"), order=14,
    ),
    DemoAccount(
        login="medical_insurance_haizhou", roles=("case_officer",),
        organisation=f"department:medical_insurance@{DISTRICT}",
        title=_("medical insurance officer"),
        try_this=_("Workbench inbox: register the company for medical insurance"), order=15,
    ),
    DemoAccount(
        login="housing_fund_haizhou", roles=("case_officer",),
        organisation=f"department:housing_fund@{DISTRICT}",
        title=_("housing fund officer"),
        try_this=_("Workbench inbox: open the company's housing fund account"), order=16,
    ),
    DemoAccount(
        login="market_regulation_supervisor", roles=("supervisor", "department_head"),
        organisation="department:market_regulation",
        title=_("start-up supervisor, market regulation"),
        try_this=_("Start-up statistics: time from submission to licence, steps past their deadline"),
        order=17,
    ),
]


def demo_bank(ctx):
    """The bank (its city branch, over its county branches) most demo founders chose."""
    busiest = (
        CaseTask.objects.filter(department_code="bank", organisation__kind=OrganisationKind.BANK)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation_id")
        .first()
    )
    if busiest is None:
        return None
    bank = Organisation.objects.select_related("parent").get(pk=busiest["organisation_id"])
    return bank.parent if bank.parent and bank.parent.kind == OrganisationKind.BANK else bank
