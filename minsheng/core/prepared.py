"""Hot statements prepared once per database session (PostgreSQL).

The busiest writes (taking a number, calling the next one, an enrolment submit)
are single statements of data-modifying CTEs. Sent the usual way, PostgreSQL
plans such a statement afresh every time, and planning them cost more than
running them; Django also interpolates every parameter into the SQL text on the
client (its cursors bind client-side). ``execute`` sends the statement through a
server-side-binding psycopg cursor on Django's own connection (same transaction)
with ``prepare=True``: PostgreSQL parses and plans it once per session and each
call sends only the parameters.

For the plan to be reused, write constants the indexes depend on into the SQL
rather than passing them: a partial index (``WHERE state = 'waiting'``) only
serves a generic plan when the query says the same constant.

Django turns psycopg's automatic preparing off (``prepare_threshold=None``, for
transaction-mode poolers) and its own client-side cursors never prepare; on a
connection this module touched, only ``prepare=True`` statements — these — are
prepared. psycopg forgets its prepared statements after a ROLLBACK (including to
a savepoint) and prepares them again on the next call. A session that lost them
behind psycopg's back (a pooler's DISCARD ALL; PgBouncer older than 1.21 in
transaction mode needs ``max_prepared_statements``, or DATABASE_URL past the
pooler) fails with SQLSTATE 26000: the statement is then run again once after
telling psycopg to start over. A connection the server ended between requests (a
restart) is replaced before the statement, as Django's health check does for its
own cursors, without its round trip (``_ended_by_server``).

One psycopg cursor is kept per connection and reused by every call: a cursor's
transformer caches the dumpers and loaders it chose for each parameter and
column type, and a new cursor chose them all again (~40 µs of a submit's CPU
here, mostly the array dumpers). Results are fetched inside the ``with`` block,
before the next call replaces them; leaving the block does not close it.

psycopg turns a statement's ``%(name)s`` placeholders into ``$n`` on every execute,
and keeps the result only for statements of up to 4 KiB
(``psycopg._queries.MAX_CACHED_STATEMENT_LENGTH``): a longer one is parsed again on
every call (~9% of a window's call-next here, once its statement grew past the
limit). ``execute`` therefore sends each statement without its lines' indentation,
worked out once per statement text. The statements must not hold string literals
that span lines.
"""

import select
import time
from contextlib import nullcontext

import psycopg
from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connections, transaction

_NEVER_AUTOMATICALLY = 2**31 - 1
_INVALID_STATEMENT_NAME = "26000"


def available(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def _ended_by_server(db) -> bool:
    """Whether the server ended this connection while it was idle, checked once per request
    (where Django would check its own cursors, CONN_HEALTH_CHECKS) and never inside a
    transaction. Django's check is a ``SELECT 1`` round trip, which the hot statements are
    written to avoid; instead: an idle connection that does not LISTEN is sent nothing
    unasked, except the FATAL message and end-of-file of a server that ends the session (a
    restart, ``pg_terminate_backend``) — so a socket with something to read is stale."""
    if db.connection is None or not db.health_check_enabled or db.health_check_done or db.in_atomic_block:
        return False
    try:
        readable, _, _ = select.select([db.connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return True
    return bool(readable)


class _KeptCursor(psycopg.Cursor):
    """The connection's cursor for prepared statements, reused from call to call."""

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        return None  # kept open for the next call; the connection closes it


def _cursor(db, conn) -> psycopg.Cursor:
    cursor = getattr(db, "_minsheng_prepared_cursor", None)
    if cursor is None or cursor.closed or cursor.connection is not conn:
        cursor = db._minsheng_prepared_cursor = _KeptCursor(conn)
    return cursor


def execute(sql: str, params, *, using: str = DEFAULT_DB_ALIAS) -> psycopg.Cursor:
    """Run ``sql`` (``%(name)s`` or ``%s`` placeholders) prepared, and return the cursor to
    fetch from. Errors are Django's (IntegrityError, …). Inside a transaction the statement
    runs in a savepoint, so that a refused write leaves the transaction usable; outside
    one it is its own transaction (autocommit). Fetch what it returns before the next call:
    the cursor is the connection's, shared by every call."""
    db = connections[using]
    if _ended_by_server(db):
        db.close()  # as Django's health check would: the next line connects again
    db.ensure_connection()
    conn = db.connection
    if conn.prepare_threshold is None:
        conn.prepare_threshold = _NEVER_AUTOMATICALLY  # prepare=True still prepares
    cursor = _cursor(db, conn)
    sql = fitted(sql)
    try:
        _execute_once(db, cursor, sql, params)
    except ProgrammingError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != _INVALID_STATEMENT_NAME:
            raise
        with db.wrap_database_errors:
            # psycopg reads this command's status and forgets the names it had prepared
            cursor.execute("DEALLOCATE ALL")
        _execute_once(db, cursor, sql, params)
    return cursor


_fitted: dict[str, str] = {}
_FITTED_MAX = 512  # the hot statements are a few dozen texts; bounded all the same


def fitted(sql: str) -> str:
    """``sql`` without its lines' leading and trailing blanks, as sent (see the module
    docstring): the same text every call, so psycopg's conversion cache keeps it."""
    text = _fitted.get(sql)
    if text is None:
        if len(_fitted) >= _FITTED_MAX:
            _fitted.clear()
        text = _fitted[sql] = "\n".join(filter(None, (line.strip() for line in sql.splitlines())))
    return text


def _execute_once(db, cursor: psycopg.Cursor, sql: str, params) -> None:
    with transaction.atomic(db.alias) if db.in_atomic_block else nullcontext(), db.wrap_database_errors:
        _execute_logged(db, cursor, sql, params)


def _execute_logged(db, cursor: psycopg.Cursor, sql: str, params) -> None:
    """Logged like Django's own statements when Django logs them (DEBUG, or a test's
    CaptureQueriesContext), so statement counts stay honest."""
    if not db.queries_logged:
        cursor.execute(sql, params, prepare=True)
        return
    started = time.monotonic()
    try:
        cursor.execute(sql, params, prepare=True)
    finally:
        db.queries_log.append({"sql": sql.strip(), "time": f"{time.monotonic() - started:.3f}"})
