"""A small example process, registered only by the tests (and usable as a template).

A two-department approval: the case officer of the responsible bureau
checks the application, then two departments (market regulation and tax)
work in parallel; each has 2 working days, and an officer who does not act
in time is reminded and escalated to the department head. When both are
done, the case waits for the bureau's final decision, deemed approved if
nobody decides within 2 working days.
"""

from django.utils.translation import gettext_lazy as _

from .process import (
    APPLICANT,
    Action,
    Escalate,
    Join,
    Process,
    Remind,
    Sla,
    State,
    TaskSpec,
    register_process,
)

two_department_approval = Process(
    key="example_two_department_approval",
    title=_("Example two-department approval"),
    responsible_department="approval_bureau",
    states=[
        State("submitted", _("Submitted, waiting to be checked")),
        State("in_departments", _("Being handled by the departments")),
        State("deciding", _("Waiting for the final decision")),
        State("approved", _("Approved"), terminal=True),
        State("rejected", _("Not approved"), terminal=True),
        State("withdrawn", _("Withdrawn by the applicant"), terminal=True),
    ],
    initial="submitted",
    actions=[
        Action(
            "accept",
            _("Accept and send to the departments"),
            source=["submitted"],
            target="in_departments",
            roles=["case_officer", "department_head"],
            tasks=[
                TaskSpec(
                    "market_regulation",
                    _("Check the business licence"),
                    sla=Sla(working_days=2, on_breach=[Remind(), Escalate("department_head")]),
                ),
                TaskSpec("tax", _("Register for tax"), sla=Sla(working_days=2)),
            ],
        ),
        Action(
            "approve",
            _("Approve"),
            source=["deciding"],
            target="approved",
            roles=["case_officer", "department_head"],
        ),
        Action(
            "reject",
            _("Reject"),
            source=["submitted", "deciding"],
            target="rejected",
            roles=["case_officer", "department_head"],
            comment_required=True,
        ),
        Action(
            "withdraw",
            _("Withdraw the application"),
            source=["submitted"],
            target="withdrawn",
            roles=[APPLICANT],
        ),
    ],
    sla={
        "submitted": Sla(working_days=2, on_breach=[Remind(), Escalate("department_head")]),
        "deciding": Sla(working_days=2, on_breach=[], deem="approved"),
    },
    parallel_tasks={"in_departments": Join(done="deciding", rejected="rejected")},
)


def register_examples() -> None:
    register_process(two_department_approval)
