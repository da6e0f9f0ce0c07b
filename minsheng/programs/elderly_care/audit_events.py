"""The program's audit event types in words, for the audit trail's page (``Program.audit_events``).

Every ``event_type`` the program's services write is named here; a test checks it.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_EVENTS = {
    "elderly_care.alarm_ack": _("alarm acknowledged"),
    "elderly_care.alarm_close": _("alarm closed"),
    "elderly_care.alarm_raised": _("alarm raised"),
    "elderly_care.allowance": _("allowance recorded"),
    "elderly_care.anomaly_review": _("visit anomaly reviewed"),
    "elderly_care.application_decide": _("home-care application decided"),
    "elderly_care.application_submit": _("home-care application submitted"),
    "elderly_care.assessment": _("abilities assessed"),
    "elderly_care.check_in": _("caregiver checked in"),
    "elderly_care.check_out": _("caregiver checked out"),
    "elderly_care.elder_register": _("elder registered for home care"),
    "elderly_care.entitlements_apply": _("monthly entitlements applied"),
    "elderly_care.followup_draw": _("follow-up calls drawn"),
    "elderly_care.followup_record": _("follow-up call recorded"),
    "elderly_care.meal_record": _("subsidised meal served"),
    "elderly_care.order_create": _("work order created"),
    "elderly_care.order_dispatch": _("work order dispatched"),
    "elderly_care.rectification_open": _("rectification ordered"),
    "elderly_care.rectification_report": _("rectification reported"),
    "elderly_care.retrofit_open": _("retrofit file opened"),
    "elderly_care.retrofit_photo": _("retrofit photo added"),
    "elderly_care.retrofit_propose": _("retrofit items proposed"),
    "elderly_care.retrofit_approve": _("retrofit approved"),
    "elderly_care.retrofit_start": _("retrofit works started"),
    "elderly_care.retrofit_accept": _("retrofit works accepted"),
    "elderly_care.retrofit_pay": _("retrofit subsidy paid"),
    "elderly_care.rule_save": _("entitlement rule saved"),
    "elderly_care.settlement_run": _("settlement computed"),
    "elderly_care.statement_approve": _("settlement statement approved"),
    "elderly_care.statement_confirm": _("settlement statement confirmed by the provider"),
    "elderly_care.visit_verified": _("visit confirmed by the elder"),
}
