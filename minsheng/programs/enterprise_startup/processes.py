"""The start-up as one case: the founder's submission opens parallel department tasks.

Each department has its own SLA in working hours (the city's 0.5-working-day
target leaves every step a few hours); an overdue step reminds the officer and
escalates to the department head. The bank task goes to the bank the founder
picked (``chosen_kind="bank"``; services.submission.application_submit passes it), not
routed by region. Every step runs services.departments.on_step_complete however it is
finished (this app's task page, the generic workbench "Mark as done", or the cases API):
it checks the department's output and market regulation's issues the licence.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from minsheng.cases.process import (
    APPLICANT,
    Action,
    Escalate,
    Join,
    Process,
    Remind,
    Sla,
    State,
    TaskSpec,
)

PROCESS_KEY = "enterprise_startup"
BANK = "bank"

# department code -> SLA in working hours; ENTERPRISE_STARTUP_STEP_HOURS overrides them.
DEFAULT_STEP_HOURS = {
    "market_regulation": 2.0,
    "public_security": 2.0,
    "tax": 1.0,
    "human_resources": 1.0,
    "medical_insurance": 1.0,
    "housing_fund": 1.0,
    BANK: 2.0,
}
STEP_TITLES = {
    "market_regulation": _("Registration and business licence"),
    "public_security": _("Seal engraving and filing"),
    "tax": _("Tax registration and invoices"),
    "human_resources": _("Social insurance registration"),
    "medical_insurance": _("Medical insurance registration"),
    "housing_fund": _("Housing provident fund registration"),
    BANK: _("Bank account appointment"),
}
STEPS = list(STEP_TITLES)
# The bank's own staff finish the bank step (a "bank_officer" of the bank the founder chose);
# the departments' case officers and heads finish theirs.
BANK_ROLES = ("bank_officer", "case_officer", "department_head")
ON_COMPLETE = "minsheng.programs.enterprise_startup.services.departments.on_step_complete"


def step_hours(code: str) -> float:
    custom = settings.ENTERPRISE_STARTUP_STEP_HOURS
    return float(custom.get(code, DEFAULT_STEP_HOURS[code]))


def step_sla(code: str) -> Sla:
    return Sla(working_hours=step_hours(code), on_breach=[Remind(), Escalate("department_head")])


def target_hours() -> float:
    """The city's target from submission to the last output (default 0.5 working day = 3.75 h)."""
    return settings.ENTERPRISE_STARTUP_TARGET_HOURS


def tracker_link(case):
    """The founder follows a start-up case on its tracker, which has the licence download."""
    from django.urls import reverse

    from .models import StartupApplication

    app_id = StartupApplication.objects.filter(case=case).values_list("pk", flat=True).first()
    if app_id is None:
        return None
    return _("Progress by department and the licence"), reverse("enterprise_startup:tracker", args=[app_id])


def build_process() -> Process:
    return Process(
        key=PROCESS_KEY,
        title=_("Enterprise start-up"),
        responsible_department="market_regulation",
        reference_prefix="QY",
        applicant_page=tracker_link,
        states=[
            State("submitted", _("Submitted")),
            State("processing", _("The departments are working in parallel")),
            State("completed", _("Completed: licence, seals and registrations ready"), terminal=True),
            State("rejected", _("Refused by a department"), terminal=True),
            State("withdrawn", _("Withdrawn by the applicant"), terminal=True),
        ],
        initial="submitted",
        actions=[
            Action(
                "dispatch",
                _("Send to the departments"),
                source=["submitted"],
                target="processing",
                roles=[APPLICANT],
                tasks=[
                    TaskSpec(
                        code,
                        STEP_TITLES[code],
                        sla=step_sla(code),
                        on_complete=ON_COMPLETE,
                        chosen_kind="bank" if code == BANK else None,
                        **({"roles": BANK_ROLES} if code == BANK else {}),
                    )
                    for code in STEPS
                ],
                notify=False,
            ),
            Action(
                "withdraw",
                _("Withdraw the application"),
                source=["submitted"],
                target="withdrawn",
                roles=[APPLICANT],
            ),
        ],
        parallel_tasks={"processing": Join(done="completed", rejected="rejected")},
    )


PROCESSES = [build_process()]
