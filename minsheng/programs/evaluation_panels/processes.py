"""整改 — a rectification order as a case in the shared workflow (minsheng.cases).

The case is the lead unit's obligation: it is routed to the lead unit (the case's
responsible organisation), so its officers see it in the workbench inbox and act on
it there or on the rectification page; the written report is due within
RECTIFICATION_WORKING_DAYS working days (official calendar), and when it is late the
officers are reminded and the unit's department head is told (escalation).

The steps after the report belong to the panel office that issued the order (the
case's applicant, an office account standing for the people's congress panel office):
the re-evaluation by a newly drawn panel is scheduled, then the case closes when that
panel's result is published. Those two steps are taken by this app's services
(``rectification_reevaluate``, ``evaluation_close``) after they have checked the real
organiser, who is named in the case event's data and in the app's audit entries.
"""

from django.utils.translation import gettext_lazy as _

from minsheng.cases.process import (
    APPLICANT,
    Action,
    Escalate,
    Process,
    Remind,
    Sla,
    State,
)

PROCESS_KEY = "evaluation_panels_rectification"
RECTIFICATION_WORKING_DAYS = 20
LEAD_UNIT_ROLES = ["project_unit_officer", "case_officer", "department_head"]

REPORT_DUE = "report_due"
REPORTED = "reported"
REEVALUATING = "reevaluating"
CLOSED = "closed"

rectification = Process(
    key=PROCESS_KEY,
    title=_("Rectification of a livelihood project"),
    reference_prefix="ZG",
    states=[
        State(REPORT_DUE, _("The lead unit is putting the project right and must submit a written rectification report")),
        State(REPORTED, _("Rectification report submitted; a newly drawn citizens' panel will re-evaluate the project")),
        State(REEVALUATING, _("Being re-evaluated by a newly drawn citizens' panel")),
        State(CLOSED, _("Re-evaluated: the rectification order is closed"), terminal=True),
    ],
    initial=REPORT_DUE,
    actions=[
        Action(
            "submit_report",
            _("Submit the written rectification report"),
            source=[REPORT_DUE],
            target=REPORTED,
            roles=LEAD_UNIT_ROLES,
            comment_required=True,
        ),
        Action(
            "return_report",
            _("Send the report back to the lead unit"),
            source=[REPORTED],
            target=REPORT_DUE,
            roles=[APPLICANT],
            comment_required=True,
            notify=False,
        ),
        Action(
            "schedule_reevaluation",
            _("Schedule the re-evaluation by a new panel"),
            source=[REPORTED],
            target=REEVALUATING,
            roles=[APPLICANT],
            notify=False,
        ),
        Action(
            "close",
            _("Close after the re-evaluation"),
            source=[REEVALUATING],
            target=CLOSED,
            roles=[APPLICANT],
            notify=False,
        ),
    ],
    sla={
        REPORT_DUE: Sla(
            working_days=RECTIFICATION_WORKING_DAYS, on_breach=[Remind(), Escalate(to_role="department_head")]
        ),
    },
)


PROCESSES = [rectification]
