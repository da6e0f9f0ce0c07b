# ruff: noqa: S608 - the names put into the SQL are the models' tables and columns; values are bound
"""The enrolment rush's write on PostgreSQL: one prepared statement, one round trip, no BEGIN/COMMIT.

A submit that passes the checks Python can make on its own (the key, the days, the rank, a
published offering of one school whose window is open) is sent as one statement of
data-modifying CTEs: read the guardianship and enrolment, and only if the child is in the
caller's care, enrolled at the offering's school in a grade it takes and with no fee-waiver
category, lock the chosen day rows in weekday order, take one place on each — all of them or
none —, insert the application, its seat requests and the audit row. Outside a transaction the
statement is its own transaction; inside one it runs in a savepoint. It returns the applicant
row it read, so when nothing was written the caller gives the same answer, in the same order
of checks, as the two-statement path (``services._submit``) — which also writes through this
module (``read=None``: the applicant was read before, the values are given).

Places are all-or-nothing within the statement: the day rows are locked first, and a day counts
as free only on its newest version (a locking read returns the version it waited for); the
UPDATE then sets every locked row, or none, to that newest count plus one. Two traps this
avoids, both when another transaction changed a day row while the statement waited for it: an
UPDATE filtered on ``taken < capacity`` tests the statement's snapshot and would skip a place
freed meanwhile (taking some days but not others); and ``SET taken = taken + 1`` is first
computed from the snapshot's row, where PostgreSQL checks ``as_never_oversold`` against it
before it re-reads the newest row — a stale full count would fail the check.

SQLite has no data-modifying CTEs; it keeps the ORM path (an IMMEDIATE transaction serialises
writers), and the tests run both and check they write the same rows.
"""

import functools
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections

from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_event_build
from minsheng.core import prepared
from minsheng.identity.models import Person, PersonRelation

from .models import ACTIVE_STATES, Application, Enrolment, OfferingDay, SeatRequest

# Application columns taken from the applicant read when the statement reads it itself.
_FROM_READ = ("guardian_id", "grade_level", "dual_working")


def audit_event(*, event_type: str, actor, target_type: str, target_label: str, new: dict) -> AuditEvent:
    """The unsaved audit row ``audit_record`` would write for this change (the audit module's
    own builder; ``target_id`` is set by the statement)."""
    return audit_event_build(event_type=event_type, actor=actor, target_type=target_type,
                             target_label=target_label, new=new)


def prior_sql(*, key: str = "key", student: str = "student", offering: str = "offering") -> str:
    """This key's application, or the child's active one on the offering: at most two
    (id, idempotency_key) rows, what a submit refused for want of places is answered from (a
    repeat gets its application, a second submit is a duplicate). ``%(name)s`` parameters by
    the names given; plain SQL, for SQLite too."""
    active = ", ".join(f"'{state}'" for state in ACTIVE_STATES)
    return (f"SELECT id, idempotency_key FROM {Application._meta.db_table} WHERE idempotency_key = %({key})s "
            f"OR (student_id = %({student})s AND offering_id = %({offering})s AND state IN ({active})) LIMIT 2")


def _cast(field) -> str:
    return field.cast_db_type(connection)


@functools.cache
def _statement(*, read: bool, take_places: bool) -> tuple[str, list, list]:
    """SQL of one submit and the application and audit fields it binds, in order."""
    from minsheng.access.models import Organisation
    from minsheng.regions.models import Region

    apps, seats, days = Application._meta.db_table, SeatRequest._meta.db_table, OfferingDay._meta.db_table
    audit = AuditEvent._meta.db_table
    app_fields = [f for f in Application._meta.concrete_fields if not f.primary_key]
    audit_fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    ctes = []
    if read:
        person, relation = Person._meta.db_table, PersonRelation._meta.db_table
        enrolment, org, region = Enrolment._meta.db_table, Organisation._meta.db_table, Region._meta.db_table
        ctes.append(
            f"who AS (SELECT (SELECT r.person_id FROM {relation} r JOIN {person} g ON g.id = r.person_id "
            "WHERE g.user_id = %(user)s::bigint AND r.relative_id = s.id AND r.kind = 'guardian' "
            "AND (r.valid_from IS NULL OR r.valid_from <= %(today)s::date) "
            "AND (r.valid_to IS NULL OR r.valid_to >= %(today)s::date) ORDER BY r.id LIMIT 1) AS guardian_id, "
            "e.id AS enrolment_id, e.school_id, e.grade_level, e.family_category, e.dual_working, rg.prefix "
            f"FROM {person} s LEFT JOIN {enrolment} e ON e.student_id = s.id AND e.school_year = %(school_year)s::smallint "
            f"LEFT JOIN {org} o ON o.id = e.school_id LEFT JOIN {region} rg ON rg.code = o.region_id "
            "WHERE s.id = %(student)s::bigint)")
        ctes.append(
            "ok AS (SELECT guardian_id, grade_level, dual_working FROM who WHERE guardian_id IS NOT NULL "
            "AND school_id = %(school)s::bigint AND grade_level BETWEEN %(grade_min)s::smallint AND %(grade_max)s::smallint "
            "AND family_category = '')")
    if take_places:
        gate = "AND EXISTS (SELECT FROM ok) " if read else ""
        ctes.append(
            f"locked AS (SELECT id, weekday, taken, taken < capacity AS free, xmin AS version FROM {days} "
            f"WHERE id = ANY(%(days)s::bigint[]) {gate}ORDER BY weekday FOR NO KEY UPDATE)")
        ctes.append(
            f"taken AS (UPDATE {days} AS d SET taken = l.taken + 1 FROM locked AS l WHERE d.id = l.id "
            "AND (SELECT bool_and(free) AND count(*) = %(n)s::bigint FROM locked) RETURNING d.weekday)")
    values = ", ".join(
        f"ok.{f.column}" if read and f.column in _FROM_READ else f"%(a_{f.column})s::{_cast(f)}"
        for f in app_fields)
    source = " FROM ok" if read else ""
    condition = " WHERE (SELECT count(*) FROM taken) = %(n)s::bigint" if take_places else ""
    ctes.append(f"app AS (INSERT INTO {apps} ({', '.join(f.column for f in app_fields)}) "
                f"SELECT {values}{source}{condition} RETURNING id)")
    ctes.append(f"seat AS (INSERT INTO {seats} (application_id, day_id, weekday, state) "
                "SELECT app.id, v.day_id, v.weekday, %(seat_state)s::varchar FROM app, "
                "unnest(%(seat_days)s::bigint[], %(seat_weekdays)s::smallint[]) AS v(day_id, weekday) "
                "RETURNING id, weekday)")
    audit_values = ", ".join("app.id::text" if f.column == "target_id" else f"%(e_{f.column})s::{_cast(f)}"
                             for f in audit_fields)
    ctes.append(f"audit AS (INSERT INTO {audit} ({', '.join(f.column for f in audit_fields)}) "
                f"SELECT {audit_values} FROM app)")
    full = "(SELECT array_agg(weekday ORDER BY weekday) FROM locked WHERE NOT free)" if take_places else "NULL"
    prior = "NULL, NULL, NULL"
    if take_places:
        # Refused for want of places: the answer also depends on this key's application (a
        # repeat) or the child's active one (a duplicate). They are read here, in the statement's
        # snapshot, and used when no day row changed since that snapshot was taken — an
        # application takes its places in the same transaction, so none of this offering's days
        # was taken after it. Otherwise (a submit committed while this one waited for the rows)
        # the caller asks again in a statement of its own (services._full_answer).
        refused = "EXISTS (SELECT FROM locked WHERE NOT free)"
        ctes.append(f"prior AS (SELECT * FROM ({prior_sql(key='a_idempotency_key', student='a_student_id', offering='a_offering_id')}) AS p "
                    f"WHERE {refused})")
        prior = (f"CASE WHEN {refused} THEN "
                 f"(SELECT bool_and(seen.xmin = l.version) FROM locked l JOIN {days} seen ON seen.id = l.id) END, "
                 "(SELECT array_agg(id ORDER BY id) FROM prior), (SELECT array_agg(idempotency_key ORDER BY id) FROM prior)")
    result = f"(SELECT id FROM app), (SELECT array_agg(id ORDER BY weekday) FROM seat), {full}, {prior}"
    if read:
        select = (f"SELECT w.found, w.guardian_id, w.enrolment_id, w.school_id, w.grade_level, w.family_category, "
                  f"w.dual_working, w.prefix, {result} FROM (SELECT 1) AS one "
                  "LEFT JOIN (SELECT true AS found, * FROM who) AS w ON true")
    else:
        select = f"SELECT {result}"
    sql = "WITH " + ", ".join(ctes) + " " + select
    return sql, app_fields, audit_fields


def _run(sql: str, params: dict):
    """Run the submit, prepared once per database session (minsheng.core.prepared): planning
    these CTEs cost PostgreSQL about as much CPU as running them, and binding the parameters
    server-side spares interpolating three dozen values into the SQL text on every submit."""
    with prepared.execute(sql, params) as cur:
        return cur.fetchone()


@dataclass
class Written:
    """What one submit did: the applicant row as ``services._applicant`` gives it (None when
    not read or no such child); the full weekdays (nothing written); and, when it was refused
    for want of places, the rows of ``prior_sql`` — None when they must be read again (see
    ``_statement``)."""

    applicant: tuple | None
    full: list[int]
    prior: list[tuple[int, str]] | None = None


def write(*, app: Application, seats: list[SeatRequest], event: AuditEvent, take_places: bool,
          read: dict | None = None) -> Written:
    """Run one submit. ``read``: {user, today, school_year, student, school, grade_min, grade_max}
    to read the applicant in the same statement (the application's guardian, grade and
    dual-working then come from that read), or None when they are set on ``app`` already.

    The seat requests are all in one state. When the application was written ``app.pk`` is
    set, its seats carry their ids and the applicant fields are filled in.
    """
    sql, app_fields, audit_fields = _statement(read=read is not None, take_places=take_places)
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: fields look it up again for each value
    params = dict(read or {})
    for f in app_fields:
        if read is None or f.column not in _FROM_READ:
            params["a_" + f.column] = f.get_db_prep_save(f.pre_save(app, add=True), db)
    for f in audit_fields:
        if f.column != "target_id":
            params["e_" + f.column] = f.get_db_prep_save(f.pre_save(event, add=True), db)
    day_ids = [s.day_id for s in seats]
    if take_places:
        params["days"], params["n"] = day_ids, len(seats)
    params["seat_days"], params["seat_weekdays"] = day_ids, [s.weekday for s in seats]
    params["seat_state"] = seats[0].state
    row = _run(sql, params)
    app_id, seat_ids, full, prior_fresh, prior_ids, prior_keys = row[-6:]
    applicant = None
    if read is not None and row[0]:
        g, e, school, grade, category, dual, prefix = row[1:8]
        applicant = (g, e, school, grade, category, None if dual is None else bool(dual), prefix)
    if app_id is None:
        prior = list(zip(prior_ids or [], prior_keys or [], strict=True)) if full and prior_fresh else None
        return Written(applicant, sorted(full or []), prior)
    if applicant is not None:
        app.guardian_id, app.grade_level, app.dual_working = applicant[0], applicant[3], applicant[5]
    app.pk = app_id
    app._state.adding, app._state.db = False, db.alias
    for seat, pk in zip(sorted(seats, key=lambda s: s.weekday), seat_ids, strict=True):
        seat.pk, seat.application_id = pk, app_id
        seat._state.adding, seat._state.db = False, db.alias
    return Written(applicant, [])
