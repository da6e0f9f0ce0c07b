"""The program's audit event types in words, for the audit trail's page (``Program.audit_events``).

Every ``event_type`` the program's services write is named here; a test checks it.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_EVENTS = {
    "evaluation_panels.ballot_cast": _("vote cast"),
    "evaluation_panels.checkin": _("panel member checked in"),
    "evaluation_panels.evaluation_close": _("evaluation closed"),
    "evaluation_panels.evaluation_create": _("evaluation set up"),
    "evaluation_panels.evaluation_publish": _("evaluation result published"),
    "evaluation_panels.idea_screen": _("project idea screened"),
    "evaluation_panels.idea_submit": _("project idea proposed"),
    "evaluation_panels.milestone_add": _("milestone added"),
    "evaluation_panels.milestone_done": _("milestone reached"),
    "evaluation_panels.milestone_overdue": _("milestone overdue"),
    "evaluation_panels.panel_candidates": _("panel candidates listed"),
    "evaluation_panels.panel_drawn": _("panel drawn"),
    "evaluation_panels.progress": _("progress reported"),
    "evaluation_panels.project_create": _("livelihood project created"),
    "evaluation_panels.recipient_view": _("service recipient's view recorded"),
    "evaluation_panels.rectification_issue": _("rectification ordered"),
    "evaluation_panels.rectification_reevaluate": _("rectification re-evaluated"),
    "evaluation_panels.rectification_report": _("rectification reported"),
    "evaluation_panels.scorecard": _("scorecard submitted"),
    "evaluation_panels.seat_replace": _("panel seat filled by a reserve"),
    "evaluation_panels.seat_respond": _("panel invitation answered"),
    "evaluation_panels.volunteer_conflicts": _("volunteer's conflicts declared"),
    "evaluation_panels.volunteer_enrol": _("volunteer joined the pool"),
    "evaluation_panels.vote_open": _("vote opened"),
    "evaluation_panels.vote_publish": _("vote results published"),
    "evaluation_panels.vote_tally": _("votes counted"),
    "evaluation_panels.candidate_create": _("candidate project added"),
    "evaluation_panels.candidate_update": _("candidate project changed"),
    "evaluation_panels.cycle_create": _("yearly cycle opened"),
    "evaluation_panels.cycle_transition": _("yearly cycle moved to its next phase"),
    "evaluation_panels.cycle_update": _("yearly cycle changed"),
    "evaluation_panels.evaluation_reschedule": _("panel session moved"),
    "evaluation_panels.milestone_remove": _("milestone removed"),
    "evaluation_panels.milestone_update": _("milestone changed"),
    "evaluation_panels.project_update": _("project changed"),
    "evaluation_panels.rectification_return": _("rectification report sent back"),
    "evaluation_panels.volunteer_active": _("volunteer taken out of or put back into the pool"),
}
