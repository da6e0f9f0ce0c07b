"""The hall's three hottest writes as single PostgreSQL statements.

Taking a number, calling the next one and acting on the number at a window run
hundreds of times an hour in a busy hall. Built by the ORM, each cost several
statements and more Python than PostgreSQL spent running them; here each is
one statement, prepared once per database session (minsheng.core.prepared),
and Django builds nothing. The rows they write are exactly those of the ORM path
in services.py (the ticket, its TicketEvent, the audit row), which the
embedded SQLite default keeps using — SQLite has no data-modifying CTEs — and
tests run both paths against the same expectations (tests/test_queue_paths.py).

Each function returns None when the statement did not apply because the window
is not the caller's (not signed on, wrong window, unknown ticket): the caller
then goes the ORM way, whose checks word the refusal. Nothing here decides
who may act beyond that one condition, and nothing is half-written: a single
statement commits or fails as a whole.

Concurrency (READ COMMITTED):
- issue: the counter row's ON CONFLICT DO UPDATE locks it until commit, so
  each number is handed out once.
- call-next: the statement locks the clerk's window row (a double tap waits)
  and goes on only if its snapshot is not older than that row; otherwise it
  is run again (see _CALL). It checks nothing is still at the window and picks
  with FOR UPDATE SKIP LOCKED, so two windows never take the same ticket.
- window actions: the ticket row is locked by the statement's first CTE;
  PostgreSQL re-reads a row it had to wait for, so the state checked is the
  committed one.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime

from minsheng.api.auth import token_holds_sql
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_request_meta
from minsheng.core import prepared
from minsheng.identity.models import User

from .models import EventKind, TicketState
from .realtime import PG_CHANNEL

_TICKET = "service_halls_ticket"
_EVENT = "service_halls_ticketevent"
_AUDIT = AuditEvent._meta.db_table
_NO_PRIORITY_YET = 32767


def available() -> bool:
    return prepared.available()


# The clerk whose window it is, read in the statement that acts: the account must be active
# and, when the call came with an API token (``%(digest)s`` not NULL), hold that token — the
# token is checked here, not before (api.auth.TokenAuth(claim=True), ADR 0006 §8); a caller
# signed in by session passes NULL. The audit row's actor label is the account's, as
# ``str(user)`` gives it.
_ACCOUNT = f"JOIN {User._meta.db_table} acct ON acct.id = w.clerk_id"
_CLERK_OK = token_holds_sql("acct")
_ACTOR = f"left({User.label_sql('acct')}, {AuditEvent._meta.get_field('actor_label').max_length})"


@dataclass
class Row:
    """What the window's screen and the API show of a ticket after an action."""

    id: int
    number: str
    token: str
    state: str
    is_priority: bool
    point_id: int
    business_type_id: int
    window_id: int | None
    window_number: int | None
    event_id: int | None
    event_at: datetime | None


# --- taking a number ------------------------------------------------------------------
_ISSUE = f"""
WITH n AS (
    INSERT INTO service_halls_ticketcounter (point_id, prefix, service_date, last)
    VALUES (%(point)s, %(prefix)s, %(day)s, 1)
    ON CONFLICT (point_id, prefix, service_date)
    DO UPDATE SET last = service_halls_ticketcounter.last + 1
    RETURNING last
), t AS (
    INSERT INTO {_TICKET} (point_id, business_type_id, service_date, number, channel, is_priority,
        priority_reason, person_id, user_id, appointment_id, due_at, state, target_window_id, window_id,
        issued_at, recall_count, transfer_count, token)
    SELECT %(point)s, %(business)s, %(day)s,
           %(prefix)s || CASE WHEN n.last < 1000 THEN lpad(n.last::text, 3, '0') ELSE n.last::text END,
           %(channel)s, %(is_priority)s, %(reason)s, %(person)s, %(user)s, %(appointment)s, %(due_at)s,
           %(waiting)s, NULL, NULL, %(now)s, 0, 0, %(token)s
    FROM n
    RETURNING id, number
), e AS (
    INSERT INTO {_EVENT} (point_id, ticket_id, kind, at, window_id, actor_id, detail)
    SELECT %(point)s, t.id, %(issued)s, %(now)s, NULL, NULL, %(detail)s::jsonb FROM t
)
SELECT t.id, t.number FROM t"""  # noqa: S608 — names are this module's constants; values are parameters


def ticket_insert(*, point_id: int, business_type_id: int, prefix: str, day: date, now: datetime,
                  channel: str, is_priority: bool, reason: str, person_id: int | None,
                  user_id: int | None, appointment_id: int | None, due_at: datetime | None,
                  token: str) -> tuple[int, str]:
    """Next number, the ticket and its "issued" event in one statement: (id, number)."""
    with prepared.execute(_ISSUE, {
            "point": point_id, "business": business_type_id, "prefix": prefix, "day": day,
            "channel": channel, "is_priority": is_priority, "reason": reason, "person": person_id,
            "user": user_id, "appointment": appointment_id, "due_at": due_at,
            "waiting": TicketState.WAITING.value,
            "now": now, "token": token, "issued": EventKind.ISSUED.value,
            "detail": json.dumps({"channel": channel}),
        }) as cur:
        return cur.fetchone()


# --- calling the next number ------------------------------------------------------------
# The states are written into the statement, not passed as parameters: PostgreSQL
# matches a partial index's predicate (state = 'waiting') only against a constant,
# so with parameters its generic plan could not use the queue's indexes, it kept
# planning the statement afresh on every call, and planning cost more than twice
# the execution (bench: 2.5 → 0.7 ms of PostgreSQL CPU per call).
_WAITING, _CALLED, _SERVING = TicketState.WAITING.value, TicketState.CALLED.value, TicketState.SERVING.value

# A waiting ticket this window may call: for its businesses, or transferred to it.
_CALLABLE = f"""t.point_id = want.point_id AND t.service_date = %(day)s AND t.state = '{_WAITING}'
      AND (t.target_window_id = %(window)s
           OR (t.target_window_id IS NULL AND t.business_type_id = ANY(want.businesses)))"""

# One statement. ``w`` locks the clerk's own window row: a second tap on the same
# window waits here. PostgreSQL hands the waiter the row as the first tap left it,
# but the rest of the statement reads the snapshot taken before the wait, in which
# the first tap's number is not yet at the window. ``fresh`` therefore keeps the
# window only when the locked row is the version this snapshot sees (same xmin);
# otherwise nothing is picked or written and the caller runs the statement again
# with a new snapshot. Then: nothing still at the window (``busy``); the policy
# (``want``: one priority after every N normal calls); the pick as three tries in
# turn — appointments due at their slot, the kind the policy wants, the other kind
# — each walking a partial index of waiting tickets in issue order and stopping at
# the first row it can lock (SKIP LOCKED: two windows never take one ticket); then
# the ticket, the policy counter, the display event and the audit row.
_CALL = f"""
WITH w AS (
    SELECT w.id, w.number, w.point_id, w.policy_day, w.normals_since_priority, w.xmin AS version,
           p.priority_every, {_ACTOR} AS actor
    FROM service_halls_window w JOIN service_halls_servicepoint p ON p.id = w.point_id
         {_ACCOUNT}
    WHERE w.id = %(window)s AND w.clerk_id = %(clerk)s AND {_CLERK_OK}
    FOR UPDATE OF w
), fresh AS (
    SELECT w.* FROM w JOIN service_halls_window seen ON seen.id = w.id AND seen.xmin = w.version
), want AS (
    SELECT fresh.point_id, fresh.number,
           ARRAY(SELECT businesstype_id FROM service_halls_window_business_types WHERE window_id = fresh.id)
               AS businesses,
           CASE WHEN fresh.policy_day = %(day)s THEN fresh.normals_since_priority ELSE {_NO_PRIORITY_YET} END
               AS normals,
           fresh.priority_every, fresh.actor
    FROM fresh
), busy AS (
    SELECT b.number FROM {_TICKET} b
    WHERE b.window_id = %(window)s AND b.service_date = %(day)s AND b.state IN ('{_CALLED}', '{_SERVING}')
      AND EXISTS (SELECT 1 FROM fresh)
    LIMIT 1
), pick AS (
    SELECT COALESCE(
        (SELECT t.id FROM {_TICKET} t
         WHERE {_CALLABLE} AND t.due_at <= %(due_by)s
         ORDER BY t.due_at, t.issued_at, t.id LIMIT 1 FOR UPDATE SKIP LOCKED),
        (SELECT t.id FROM {_TICKET} t
         WHERE {_CALLABLE} AND t.is_priority = (want.priority_every = 0 OR want.normals >= want.priority_every)
         ORDER BY t.issued_at, t.id LIMIT 1 FOR UPDATE SKIP LOCKED),
        (SELECT t.id FROM {_TICKET} t
         WHERE {_CALLABLE} AND t.is_priority = NOT (want.priority_every = 0 OR want.normals >= want.priority_every)
         ORDER BY t.issued_at, t.id LIMIT 1 FOR UPDATE SKIP LOCKED)
    ) AS id
    FROM want WHERE NOT EXISTS (SELECT 1 FROM busy)
), c AS (
    UPDATE {_TICKET} t SET state = '{_CALLED}', window_id = %(window)s, called_at = %(now)s,
        first_called_at = COALESCE(t.first_called_at, %(now)s), target_window_id = NULL
    FROM pick WHERE t.id = pick.id
    RETURNING t.id, t.number, t.token, t.is_priority, t.point_id, t.business_type_id
), pol AS (
    UPDATE service_halls_window x SET policy_day = %(day)s,
        normals_since_priority = CASE WHEN c.is_priority THEN 0 ELSE LEAST(want.normals + 1, {_NO_PRIORITY_YET}) END
    FROM c, want WHERE x.id = %(window)s
), e AS (
    INSERT INTO {_EVENT} (point_id, ticket_id, kind, at, window_id, actor_id, detail)
    SELECT c.point_id, c.id, %(kind)s, %(now)s, %(window)s, %(clerk)s, '{{}}'::jsonb FROM c
    RETURNING id
), au AS (
    INSERT INTO {_AUDIT} (occurred_at, actor_id, actor_label, event_type, target_type, target_id,
        target_label, old_values, new_values, ip_address, request_id)
    SELECT %(now)s, %(clerk)s, want.actor, 'service_halls.ticket_call', 'service_halls.ticket',
        c.id::text, c.number, jsonb_build_object('state', '{_WAITING}'::text),
        jsonb_build_object('state', '{_CALLED}'::text, 'window', want.number), %(ip)s::inet, %(request_id)s
    FROM c, want
)
SELECT w.number, w.point_id, (SELECT count(*) FROM fresh), c.id, c.number, c.token, c.is_priority,
       c.business_type_id, e.id, (SELECT number FROM busy)
FROM w LEFT JOIN c ON true LEFT JOIN e ON true"""  # noqa: S608 — names are this module's constants; values are parameters

# With the ``postgres`` display bus (realtime.bus), a window's statement also tells the hall's
# screens: PostgreSQL delivers the NOTIFY when it commits. The payload is realtime's
# (``event_payload`` plus the hall). A SELECT in WITH runs only where it is read, hence the
# extra column.
def _with_notify(sql: str, *, number: str, window: str, point: str, source: str) -> str:
    """``sql`` with a NOTIFY CTE before its final SELECT (the columns given are its CTEs'),
    and that SELECT reading it."""
    head, select = sql.rsplit("\nSELECT ", 1)
    columns, rest = select.split("\nFROM ", 1)
    # The names put into the SQL are this module's constants; values are parameters.
    notify = (f"\n, n AS (SELECT pg_notify('{PG_CHANNEL}', json_build_object('id', e.id, 'kind', %(kind)s::text, "  # noqa: S608
              f"'number', {number}, 'window', {window}, 'at', %(at)s::text, 'point', {point})::text) FROM {source})")
    return f"{head}{notify}\nSELECT {columns}, (SELECT count(*) FROM n)\nFROM {rest}"  # noqa: S608


_CALL_AND_NOTIFY = _with_notify(_CALL, number="c.number", window="want.number", point="c.point_id",
                                source="c, e, want")
_CALL_ATTEMPTS = 5


@dataclass
class CallResult:
    row: Row | None  # the ticket called, or None when nobody waits
    busy_number: str | None  # a number still at the window (then nothing was called)
    window_number: int
    point_id: int


def call_next(*, window_id: int, clerk_id: int, now: datetime, day: date, due_by: datetime,
              notify: bool = False, token_digest: str | None = None) -> CallResult | None:
    """Call the next number at the clerk's own window. None: not the clerk's window (or,
    with ``token_digest``, the clerk does not hold that API token; see ``_CLERK_OK``).

    One statement in its own transaction (or the caller's); run again when a
    concurrent call on the same window committed while it waited (see _CALL).
    ``notify``: the statement also NOTIFYs the hall's screens (the ``postgres`` bus)."""
    ip, request_id = audit_request_meta()
    params = {
        "window": window_id, "clerk": clerk_id, "digest": token_digest, "day": day, "now": now,
        "due_by": due_by, "kind": EventKind.CALLED.value, "ip": ip, "request_id": request_id,
    }
    if notify:
        params["at"] = now.isoformat()
    sql = _CALL_AND_NOTIFY if notify else _CALL
    for _attempt in range(_CALL_ATTEMPTS):
        with prepared.execute(sql, params) as cur:
            found = cur.fetchone()
        if found is None:
            return None
        window_number, point_id, fresh, tid, number, token, is_priority, business, event_id, busy = found[:10]
        if fresh:
            break
    else:
        raise RuntimeError("the window kept changing while calling; try again")
    row = None
    if tid is not None:
        row = Row(id=tid, number=number, token=token, state=TicketState.CALLED.value, is_priority=is_priority,
                  point_id=point_id, business_type_id=business, window_id=window_id,
                  window_number=window_number, event_id=event_id, event_at=now)
    return CallResult(row=row, busy_number=busy, window_number=window_number, point_id=point_id)


# --- acting on the number at the window -------------------------------------------------
@dataclass(frozen=True)
class Act:
    """One window action: the states it is allowed from, what it sets, what it logs."""

    key: str
    allowed: tuple[str, ...]
    set_sql: str  # the SET list, may use %(now)s
    new_state: str | None  # None: the state does not change (recall)
    event_kind: str


ACTS = {
    "recall": Act("recall", (TicketState.CALLED,), "recall_count = t.recall_count + 1, called_at = %(now)s",
                  None, EventKind.RECALLED),
    "skip": Act("skip", (TicketState.CALLED,), "state = 'no_show'", TicketState.NO_SHOW, EventKind.SKIPPED),
    "start": Act("start", (TicketState.CALLED,), "state = 'serving', started_at = %(now)s",
                 TicketState.SERVING, EventKind.STARTED),
    "finish": Act("finish", (TicketState.SERVING,), "state = 'done', finished_at = %(now)s",
                  TicketState.DONE, EventKind.FINISHED),
}
_AUDIT_TYPE = {"recall": "ticket_recall", "skip": "ticket_skip", "start": "ticket_start",
               "finish": "ticket_finish"}


def _act_sql(act: Act) -> str:
    new_values = (
        "jsonb_build_object('state', u.state, 'recalls', u.recall_count)" if act.key == "recall"
        else "jsonb_build_object('state', u.state)"
    )
    return f"""
WITH cur AS (
    SELECT t.id, t.state, t.number, t.token, t.is_priority, t.point_id, t.business_type_id,
           w.number AS window_number, {_ACTOR} AS actor
    FROM {_TICKET} t JOIN service_halls_window w ON w.id = t.window_id
         {_ACCOUNT}
    WHERE t.id = %(ticket)s AND t.window_id = %(window)s AND w.clerk_id = %(clerk)s AND {_CLERK_OK}
    FOR UPDATE OF t
), u AS (
    UPDATE {_TICKET} t SET {act.set_sql}
    FROM cur WHERE t.id = cur.id AND cur.state IN %(allowed)s
    RETURNING t.id, t.state, t.recall_count
), e AS (
    INSERT INTO {_EVENT} (point_id, ticket_id, kind, at, window_id, actor_id, detail)
    SELECT cur.point_id, u.id, %(kind)s, %(now)s, %(window)s, %(clerk)s, '{{}}'::jsonb FROM u, cur
    RETURNING id
), au AS (
    INSERT INTO {_AUDIT} (occurred_at, actor_id, actor_label, event_type, target_type, target_id,
        target_label, old_values, new_values, ip_address, request_id)
    SELECT %(now)s, %(clerk)s, cur.actor, %(event_type)s, 'service_halls.ticket', u.id::text,
        cur.number, jsonb_build_object('state', cur.state), {new_values}, %(ip)s::inet, %(request_id)s
    FROM u, cur
)
SELECT cur.id, cur.state, cur.number, cur.token, cur.is_priority, cur.point_id, cur.business_type_id,
       cur.window_number, u.state, e.id
FROM cur LEFT JOIN u ON true LEFT JOIN e ON true"""  # noqa: S608 — as above


_ACT_SQL = {key: _act_sql(act).replace("IN %(allowed)s", "= ANY(%(allowed)s)") for key, act in ACTS.items()}
_ACT_AND_NOTIFY_SQL = {
    key: _with_notify(sql, number="cur.number", window="cur.window_number", point="cur.point_id", source="e, cur")
    for key, sql in _ACT_SQL.items()
}


@dataclass
class ActResult:
    row: Row
    old_state: str
    applied: bool  # False: the ticket is in a state the action does not apply to


def ticket_act(*, key: str, window_id: int, ticket_id: int, clerk_id: int, now: datetime,
               notify: bool = False, token_digest: str | None = None) -> ActResult | None:
    """Recall, skip, start or finish the number at the clerk's own window in one
    statement. None: the ticket is not at this clerk's window (or does not exist, or,
    with ``token_digest``, the clerk does not hold that API token).
    ``notify``: the statement also NOTIFYs the hall's screens when it applies."""
    act = ACTS[key]
    ip, request_id = audit_request_meta()
    params = {
        "ticket": ticket_id, "window": window_id, "clerk": clerk_id, "digest": token_digest, "now": now,
        "allowed": [str(s) for s in act.allowed], "kind": act.event_kind.value,
        "event_type": f"service_halls.{_AUDIT_TYPE[key]}", "ip": ip, "request_id": request_id,
    }
    if notify:
        params["at"] = now.isoformat()
    with prepared.execute((_ACT_AND_NOTIFY_SQL if notify else _ACT_SQL)[key], params) as cur:
        found = cur.fetchone()
    if found is None:
        return None
    tid, old, number, token, is_priority, point_id, business, window_number, new_state, event_id = found[:10]
    applied = new_state is not None
    row = Row(id=tid, number=number, token=token, state=new_state if applied else old, is_priority=is_priority,
              point_id=point_id, business_type_id=business, window_id=window_id,
              window_number=window_number, event_id=event_id, event_at=now if applied else None)
    return ActResult(row=row, old_state=old, applied=applied)
