"""Audit event types in words: what the audit trail's page shows instead of a code.

The platform's shared modules name their event types here (``SHARED_EVENTS``); each program
names its own on its registry entry (``Program.audit_events``). The back office's and the
reference imports' types ("admin.<app>.<model>.<add|change|delete|download>",
"imports.<app>.<model>.<add|change>") are worded from the model's name.
"""

from django.apps import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import registry

SHARED_EVENTS = {
    "access.role_assigned": _("role given"),
    "access.role_revoked": _("role taken away"),
    "access.refused": _("access refused"),
    "access.refusals_suppressed": _("further refusals not recorded (too many)"),
    "attachments.store": _("file stored"),
    "audit.export": _("audit trail exported"),
    "cases.escalate": _("escalated to a supervisor"),
    "cases.open": _("case opened"),
    "cases.task_claim": _("task claimed"),
    "cases.task_complete": _("task completed"),
    "cases.transition": _("case moved to its next state"),
    "draws.candidates": _("candidate list published"),
    "draws.commit": _("draw committed (seed hash published)"),
    "draws.run": _("draw run"),
    "exports.download": _("list downloaded"),
    "exports.started": _("export started"),
    "identity.api_token_issued": _("API token issued"),
    "identity.citizen_registered": _("citizen signed up"),
    "identity.password_reset": _("password reset"),
    "identity.password_set": _("password set"),
    "identity.person_created": _("person recorded"),
    "identity.real_name_registered": _("real name verified"),
    "identity.relation_added": _("family relation recorded"),
    "identity.staff_first_sign_in": _("first sign-in completed (password chosen)"),
    "identity.staff_invited": _("staff member invited"),
    "identity.staff_link_issued": _("sign-in link sent by SMS"),
    "identity.staff_removed": _("staff member removed"),
    "identity.totp_enrolled": _("authenticator app set up"),
    "identity.unmask": _("personal data shown in full"),
    "imports.dry_run": _("import checked (dry run)"),
    "imports.start": _("import started"),
    "ratings.submit": _("rating given"),
    "access.organisation_changed": _("organisation changed"),
    "access.organisation_created": _("organisation created"),
}

_VERBS = {
    "add": _("%(record)s added"),
    "change": _("%(record)s changed"),
    "delete": _("%(record)s deleted"),
    "download": _("%(record)s list downloaded"),
}


def _declared() -> dict:
    return {**SHARED_EVENTS, **{k: v for p in registry.programs() for k, v in p.audit_events.items()}}


def _model_name(label: str) -> str | None:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return None


def event_label(event_type: str) -> str | None:
    """The event type in words, in the reader's language; None for a type nobody declared."""
    label = _declared().get(event_type)
    if label is not None:
        return str(label)
    origin, _sep, rest = event_type.partition(".")
    model, _sep, verb = rest.rpartition(".")
    if origin in ("admin", "imports") and verb in _VERBS and (name := _model_name(model)):
        worded = str(_VERBS[verb]) % {"record": name}
        return worded if origin == "imports" else gettext("%(action)s in the back office") % {"action": worded}
    return None
