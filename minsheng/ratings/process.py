"""差评整改 — the follow-up of a bad rating, run by the case engine.

The responsible organisation must contact the citizen, rectify and report
within 5 working days; if it does not, its department head is told.
"""

from django.utils.translation import gettext_lazy as _

from minsheng.cases.process import Action, Escalate, Process, Remind, Sla, State, register_process

OFFICERS = ["case_officer", "department_head"]

rating_follow_up = Process(
    key="rating_follow_up",
    title=_("Follow-up of a bad rating"),
    states=[
        State("contacting", _("The department will contact you about your rating")),
        State("rectifying", _("The department is putting the problem right")),
        State("closed", _("The department has reported what it put right"), terminal=True),
    ],
    initial="contacting",
    actions=[
        Action(
            "record_contact",
            _("Record the conversation with the citizen"),
            source=["contacting"],
            target="rectifying",
            roles=OFFICERS,
            comment_required=True,
        ),
        Action(
            "report_rectification",
            _("Report the rectification"),
            source=["rectifying"],
            target="closed",
            roles=OFFICERS,
            comment_required=True,
        ),
    ],
    sla={
        "contacting": Sla(working_days=5, on_breach=[Remind(), Escalate("department_head")]),
        "rectifying": Sla(working_days=5, on_breach=[Remind(), Escalate("department_head")]),
    },
    reference_prefix="HCP",
)


def register() -> None:
    register_process(rating_follow_up)
