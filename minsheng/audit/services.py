"""The one function that writes the audit trail."""

from typing import Any

from django.db import models

from minsheng.core.middleware import client_ip, current_request

from .models import AuditEvent


def audit_request_meta(request=None) -> tuple[str | None, str]:
    """The IP address and request id an audit entry records for ``request`` (the request
    being served, from the middleware's context, when not given). A hot path that writes
    its audit row in its own SQL statement passes these."""
    request = request or current_request()
    if request is None:
        return None, ""
    return client_ip(request), getattr(request, "request_id", "")


def audit_event_values(
    *,
    event_type: str,
    actor=None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    request=None,
) -> dict[str, Any]:
    """The column values of the audit entry for a change: ``audit_event_build`` makes the
    unsaved entry of them; a bulk path (core.bulk.BulkWriter) inserts them as they are.
    The request (for IP and request id) is taken from the middleware's context
    when not given."""
    request = request or current_request()
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    ip_address, request_id = audit_request_meta(request)
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)[:200]
    return dict(
        event_type=event_type,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=(str(actor) if actor is not None else "")[:150],
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:200],
        old_values=old,
        new_values=new,
        ip_address=ip_address,
        request_id=request_id,
    )


def audit_event_build(**kwargs) -> AuditEvent:
    """The audit entry for a change, unsaved: ``audit_record`` saves it; a hot path
    that writes its change in one SQL statement inserts these same values there.
    Takes ``audit_event_values``' arguments."""
    return AuditEvent(**audit_event_values(**kwargs))


def audit_record(
    *,
    event_type: str,
    actor=None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Write one audit entry. Call it inside the transaction of the change.

    ``event_type`` is dotted: ``identity.unmask``, ``cases.transition``.
    The request (for IP and request id) is taken from the middleware's
    context when not given.
    """
    event = audit_event_build(
        event_type=event_type, actor=actor, target=target, target_type=target_type, target_id=target_id,
        target_label=target_label, old=old, new=new, request=request,
    )
    event.save(force_insert=True)
    return event
