"""Writes of the evaluation panels (services), one module per stage of the year.

``grading`` holds the pure arithmetic of results (grade rule, quorum, rates, strata) the
stages share; ``progress_sheets`` the spreadsheet importer of progress reports.
"""

from .cycle import (  # noqa: F401
    ballot_cast,
    elected_candidates,
    idea_screen,
    idea_submit,
    idea_support,
    vote_open,
    vote_publish,
    vote_runoff_open,
    vote_tally,
)
from .evaluations import (  # noqa: F401
    checkin_token,
    evaluation_close,
    evaluation_needs_rectification,
    evaluation_publish,
    member_checkin,
    panel_office_account,
    reasons_collected,
    recipient_view_add,
    rectification_reevaluate,
    rectification_report_submit,
    rectification_sync,
    scorecard_submit,
)
from .panels import (  # noqa: F401
    eligible_volunteers,
    evaluation_create,
    evaluation_publish_candidates,
    evaluation_run_draw,
    seat_replace,
    seat_respond,
    volunteer_conflict,
    volunteer_declare_conflicts,
    volunteer_enrol,
    volunteer_enrol_by_office,
)
from .progress_sheets import progress_import  # noqa: F401
from .projects import (  # noqa: F401
    milestone_add,
    milestone_complete,
    milestones_flag_overdue,
    progress_report_submit,
    project_create,
    project_create_from_candidate,
    unit_may_act,
)
from .rectification import rectification_return  # noqa: F401
from .setup import (  # noqa: F401
    candidate_save,
    cycle_create,
    cycle_transition,
    cycle_update,
    evaluation_reschedule,
    milestone_remove,
    milestone_update,
    project_update,
    volunteer_set_active,
)
