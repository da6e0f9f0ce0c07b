"""The program's audit event types in words, for the audit trail's page (``Program.audit_events``).

Every ``event_type`` the program's services write is named here; a test checks it.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_EVENTS = {
    "service_halls.appointment_book": _("appointment booked"),
    "service_halls.appointment_cancel": _("appointment cancelled"),
    "service_halls.business_type_create": _("business type created"),
    "service_halls.business_type_update": _("business type changed"),
    "service_halls.closure_remove": _("closure removed"),
    "service_halls.closures_add": _("closures added"),
    "service_halls.hours_set": _("opening hours set"),
    "service_halls.point_close": _("service point closed"),
    "service_halls.point_create": _("service point created"),
    "service_halls.point_move": _("service point moved"),
    "service_halls.point_reopen": _("service point reopened"),
    "service_halls.point_update": _("service point changed"),
    "service_halls.priority_flags": _("priority service flags set"),
    "service_halls.slot_delete": _("appointment time removed"),
    "service_halls.slots_create": _("appointment times added"),
    "service_halls.window_create": _("window created"),
    "service_halls.window_sign_off": _("clerk signed off a window"),
    "service_halls.window_sign_on": _("clerk signed on to a window"),
    "service_halls.window_update": _("window changed"),
    "service_halls.zone_create": _("zone created"),
    "service_halls.zone_delete": _("zone removed"),
    "service_halls.zone_update": _("zone changed"),
    "service_halls.ticket_call": _("number called"),
    "service_halls.ticket_recall": _("number called again"),
    "service_halls.ticket_skip": _("number skipped (no-show)"),
    "service_halls.ticket_start": _("service started"),
    "service_halls.ticket_finish": _("service finished"),
    "service_halls.ticket_transfer": _("number transferred"),
    "service_halls.ticket_cancel": _("number cancelled"),
}
