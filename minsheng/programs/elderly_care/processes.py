"""The two elderly-care processes run by the shared case workflow (minsheng.cases).

- ``elderly_care_application``: an application for home care, by the elder or family online
  or by a community worker on the elder's behalf (帮办代办). Submitting opens a review task
  for civil affairs (民政) with an SLA in working days; finishing the task approves (the elder
  is registered) or rejects, and the elder is told the result.
- ``elderly_care_rectification``: after a bad follow-up callback, a task for the provider
  to put it right with a written report by a deadline; civil affairs then accepts the report
  or sends it back.
"""

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

CIVIL_AFFAIRS = "civil_affairs"  # Organisation.department_code of 民政 (as in minsheng.demo)
# task for the provider the visit belongs to (chosen at the action, Organisation kind "provider")
PROVIDER_TASK = "care_provider"
REVIEWERS = ("civil_affairs_officer", "case_officer", "department_head")
REVIEW_WORKING_DAYS = 10
RECTIFY_WORKING_DAYS = 5

APPLICATION = "elderly_care_application"
RECTIFICATION = "elderly_care_rectification"

application = Process(
    key=APPLICATION,
    title=_("Home care for the elderly"),
    responsible_department=CIVIL_AFFAIRS,
    reference_prefix="JJYL",
    states=[
        State("submitted", _("Submitted")),
        State("reviewing", _("Being reviewed by the civil affairs office")),
        State("approved", _("Approved: home-care services will be arranged"), terminal=True),
        State("rejected", _("Not approved"), terminal=True),
        State("withdrawn", _("Withdrawn"), terminal=True),
    ],
    initial="submitted",
    actions=[
        Action(
            "submit",
            _("Send to the civil affairs office"),
            source=["submitted"],
            target="reviewing",
            roles=[APPLICANT],
            notify=False,
            tasks=[
                TaskSpec(
                    CIVIL_AFFAIRS,
                    _("Review the home-care application"),
                    sla=Sla(
                        working_days=REVIEW_WORKING_DAYS,
                        on_breach=[Remind(), Escalate(to_role="department_head")],
                    ),
                    roles=REVIEWERS,
                    on_complete="minsheng.programs.elderly_care.services.applications.on_review_complete",
                )
            ],
        ),
        Action(
            "withdraw",
            _("Withdraw the application"),
            source=["submitted"],
            target="withdrawn",
            roles=[APPLICANT],
        ),
    ],
    parallel_tasks={"reviewing": Join(done="approved", rejected="rejected")},
)

rectification = Process(
    key=RECTIFICATION,
    title=_("Home-care rectification"),
    responsible_department=CIVIL_AFFAIRS,
    reference_prefix="JJZG",
    states=[
        State("opened", _("Opened after a follow-up call")),
        State("rectifying", _("The provider is putting it right")),
        State("verifying", _("Civil affairs is checking the provider's report")),
        State("rectified", _("Rectified"), terminal=True),
    ],
    initial="opened",
    actions=[
        Action(
            "assign",
            _("Send to the provider"),
            source=["opened"],
            target="rectifying",
            roles=[APPLICANT, *REVIEWERS],
            notify=False,
            tasks=[
                TaskSpec(
                    PROVIDER_TASK,
                    _("Put the service right and write a report"),
                    sla=Sla(
                        working_days=RECTIFY_WORKING_DAYS,
                        on_breach=[Remind(), Escalate(to_role="provider_admin")],
                    ),
                    roles=("provider_admin",),
                    chosen_kind="provider",
                    on_complete="minsheng.programs.elderly_care.services.followup.on_report_complete",
                )
            ],
        ),
        Action(
            "accept",
            _("Accept the report"),
            source=["verifying"],
            target="rectified",
            roles=list(REVIEWERS),
            notify=False,
        ),
        Action(
            "send_back",
            _("Send back to the provider"),
            source=["verifying"],
            target="rectifying",
            roles=list(REVIEWERS),
            comment_required=True,
            notify=False,
            tasks=[
                TaskSpec(
                    PROVIDER_TASK,
                    _("Put the service right and write a report"),
                    sla=Sla(working_days=RECTIFY_WORKING_DAYS),
                    roles=("provider_admin",),
                    chosen_kind="provider",
                    on_complete="minsheng.programs.elderly_care.services.followup.on_report_complete",
                )
            ],
        ),
    ],
    sla={"verifying": Sla(working_days=RECTIFY_WORKING_DAYS)},
    parallel_tasks={"rectifying": Join(done="verifying", rejected="verifying")},
)


PROCESSES = [application, rectification]
