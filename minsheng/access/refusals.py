"""Refusals at the access gates, written to the one audit trail.

A gate (``case_get_for``, ``person_get_for``…) answers "not found" both for a
record that does not exist and for one outside the user's scope, so a caller
learns nothing. ``@scoped_gate`` on the gate records each refusal of a
signed-in user as ``access.refused`` (actor, object, action, reason). So that a
scan cannot flood the trail, at most ``AUDIT_REFUSALS_PER_MINUTE`` refusals per
(actor, object type, action) and minute are written one by one; the next one
writes a single ``access.refusals_suppressed`` entry and the rest of that
minute is only counted.

The gate also refuses ids no database row can have (not a whole number, or
beyond 64 bits) before any query runs: SQLite raises OverflowError on them.
"""

import functools
import time
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import NotAllowed, NotFound

MAX_ID = 2**63 - 1  # larger ids cannot exist; asking for one must not reach the database

REASON_INVALID_ID = "invalid_id"  # not an id any row can have
REASON_NO_SUCH_RECORD = "no_such_record"
REASON_OUT_OF_SCOPE = "out_of_scope"  # the record exists, the user may not see it

EVENT_REFUSED = "access.refused"
EVENT_SUPPRESSED = "access.refusals_suppressed"

# The refusal entry in words: what the person tried (a gate's ``action``) and why they were
# refused. Every gate's action has its words here (a test checks the declared ones); the audit
# page reads them, so no code is shown for either.
ACTION_WORDS = {
    "view": _("view"),
    "act": _("act"),
    "apply": _("apply"),
    "apply_home_care": _("apply for home care"),
    "book": _("book a home-care visit"),
    "dispatch": _("dispatch a visit"),
    "manage_caregiver": _("manage a caregiver"),
    "manage_contract": _("manage a contract"),
    "manage_device": _("manage a device"),
    "manage_provider": _("manage a provider"),
    "open_file": _("open a household's file"),
    "organise": _("organise"),
    "review": _("review"),
    "serve_meal": _("serve a meal"),
    "set_up": _("set up"),
}
REASON_WORDS = {
    REASON_INVALID_ID: _("not a record number"),
    REASON_NO_SUCH_RECORD: _("no such record"),
    REASON_OUT_OF_SCOPE: _("outside the account's area or organisation"),
}
DECLARED_ACTIONS: set[str] = set()  # the actions of the gates defined so far (the test reads it)


def _as_id(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _count_in_minute(*, user_pk, target_type: str, action: str) -> int:
    """This refusal's number within the current minute for (user, object type, action)."""
    key = f"refusals:{user_pk}:{target_type}:{action}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=61)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=61)
        return 1


def refusal_record(
    *, user, target_type: str, target_id, action: str, reason: str | Callable[[], str]
) -> bool:
    """Audit one refusal of ``user`` on a scoped record; False when rate-limited away.
    ``reason`` may be a function, called only when the entry is written."""
    limit = settings.AUDIT_REFUSALS_PER_MINUTE
    n = _count_in_minute(user_pk=user.pk, target_type=target_type, action=action)
    if n > limit + 1:
        return False
    if n == limit + 1:
        audit_record(
            event_type=EVENT_SUPPRESSED,
            actor=user,
            target_type=target_type,
            new={"action": action, "limit_per_minute": limit},
        )
        return False
    audit_record(
        event_type=EVENT_REFUSED,
        actor=user,
        target_type=target_type,
        # as typed, less what no text column can hold (PostgreSQL refuses NUL)
        target_id="".join(ch for ch in str(target_id) if ch.isprintable())[:64],
        new={"action": action, "reason": reason() if callable(reason) else reason},
    )
    return True


def _reason(model_label: str, lookup: str, key) -> str:
    model = apps.get_model(model_label)
    try:
        exists = model._default_manager.filter(**{lookup: key}).exists()
    except (ValueError, TypeError, OverflowError, ValidationError):
        return REASON_INVALID_ID
    return REASON_OUT_OF_SCOPE if exists else REASON_NO_SUCH_RECORD


def scoped_gate(
    *,
    model: str,
    id_arg: str,
    action: str = "view",
    lookup: str = "pk",
    integer_id: bool = True,
    refuses_with_none: bool = False,
    user_arg: str = "user",
) -> Callable:
    """Wrap an access gate ``f(*, user, <id_arg>, ...)`` that raises NotFound/Http404 (or
    returns None) for a record the user may not see, or NotAllowed for one the user may see
    but not act on (a child not in the caller's care): the refusal is audited.

    ``model`` is the record's label (``cases.case``); an ``action`` keyword argument of the
    gate, when given, names the action instead of the default. A gate that answers None
    instead of raising says ``refuses_with_none``; an impossible id then gets None too.
    ``user_arg`` names the gate's keyword for the acting user when it is not ``user``.
    """

    DECLARED_ACTIONS.add(action)

    def decorate(gate: Callable) -> Callable:
        @functools.wraps(gate)
        def wrapper(*args, **kwargs):
            user = kwargs.get(user_arg)
            key = kwargs.get(id_arg)
            attempted = str(kwargs.get("action") or action)
            if integer_id and _as_id(key) is None:
                _refused(user, model, key, attempted, REASON_INVALID_ID)
                if refuses_with_none:
                    return None
                raise NotFound()
            try:
                found = gate(*args, **kwargs)
            except (NotFound, Http404):
                _refused(user, model, key, attempted, None, lookup=lookup)
                raise
            except NotAllowed:
                _refused(user, model, key, attempted, REASON_OUT_OF_SCOPE)
                raise
            if found is None:
                _refused(user, model, key, attempted, None, lookup=lookup)
            return found

        return wrapper

    return decorate


def _refused(user, model: str, key, action: str, reason: str | None, *, lookup: str = "pk") -> None:
    # Anonymous callers are sent to sign in before any gate; their refusals identify no one.
    if not getattr(user, "is_authenticated", False):
        return
    refusal_record(
        user=user,
        target_type=model,
        target_id=key,
        action=action,
        reason=reason or (lambda: _reason(model, lookup, key)),
    )
