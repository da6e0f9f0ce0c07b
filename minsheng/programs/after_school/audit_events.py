"""The program's audit event types in words, for the audit trail's page (``Program.audit_events``).

Every ``event_type`` the program's services write is named here; a test checks it.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_EVENTS = {
    "after_school.apply": _("applied for after-school care"),
    "after_school.attendance": _("attendance marked"),
    "after_school.lottery": _("lottery run"),
    "after_school.lottery_publish": _("lottery results published"),
    "after_school.lottery_start": _("lottery run started"),
    "after_school.offer": _("place offered"),
    "after_school.offer_accept": _("place accepted"),
    "after_school.offer_decline": _("place declined"),
    "after_school.offer_expire": _("offer expired"),
    "after_school.offering_create": _("after-school offering created"),
    "after_school.offering_teachers": _("teachers of an offering changed"),
    "after_school.pickup": _("pick-up recorded"),
    "after_school.sessions_generate": _("care sessions planned"),
    "after_school.window_create": _("application window opened"),
    "after_school.withdraw": _("application withdrawn"),
    "after_school.offer_passed_over": _("offer passed over (the next on the list was offered)"),
    "after_school.offering_update": _("after-school offering changed"),
    "after_school.term_create": _("term created"),
    "after_school.term_update": _("term changed"),
    "after_school.waiver_record": _("fee waiver recorded"),
    "after_school.waiver_rule_delete": _("fee waiver rule removed"),
    "after_school.window_update": _("application window changed"),
}
