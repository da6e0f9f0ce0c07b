"""The program's audit event types in words, for the audit trail's page (``Program.audit_events``).

Every ``event_type`` the program's services write is named here; a test checks it.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_EVENTS = {
    "enterprise_startup.confirmations_requested": _("shareholders asked to confirm"),
    "enterprise_startup.confirmed": _("shareholder confirmed"),
    "enterprise_startup.delivery": _("licence and seals sent"),
    "enterprise_startup.legacy_code_accepted": _("former business scope code accepted"),
    "enterprise_startup.licence_issued": _("business licence issued"),
    "enterprise_startup.licence_status": _("licence status changed"),
    "enterprise_startup.name_reserved": _("company name reserved"),
    "enterprise_startup.submitted": _("start-up application submitted"),
    "enterprise_startup.visit": _("visit to an office recorded"),
}
