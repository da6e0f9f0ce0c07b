"""Statements prepared once per session (minsheng.core.prepared), on PostgreSQL."""

import pytest
from django.db import IntegrityError, connection, transaction

from minsheng.core import prepared

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if not prepared.available():
        pytest.skip("prepared statements are PostgreSQL's; SQLite callers take the ORM path")


@pytest.fixture
def table():
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE prepared_probe (id int PRIMARY KEY, note text)")
    return "prepared_probe"


def _prepared_count(fragment: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return cur.fetchone()[0]


def test_a_statement_is_prepared_once_and_reused(table):
    sql = f"INSERT INTO {table} (id, note) VALUES (%(id)s, %(note)s) RETURNING id"  # noqa: S608
    ids = [prepared.execute(sql, {"id": n, "note": "x"}).fetchone()[0] for n in range(4)]
    assert ids == [0, 1, 2, 3]
    assert _prepared_count(f"INSERT INTO {table}") == 1


def test_a_refused_write_raises_djangos_error_and_leaves_the_transaction_usable(table):
    sql = f"INSERT INTO {table} (id, note) VALUES (%(id)s, %(note)s)"  # noqa: S608
    with transaction.atomic():
        prepared.execute(sql, {"id": 1, "note": "first"})
        with pytest.raises(IntegrityError):
            prepared.execute(sql, {"id": 1, "note": "twin"})
        prepared.execute(sql, {"id": 2, "note": "after"})  # the transaction goes on
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, note FROM {table} ORDER BY id")  # noqa: S608
        assert cur.fetchall() == [(1, "first"), (2, "after")]


def test_a_session_that_lost_its_statements_behind_the_drivers_back_prepares_again(table):
    sql = f"SELECT count(*) FROM {table} WHERE id > %(above)s"  # noqa: S608
    assert prepared.execute(sql, {"above": 0}).fetchone() == (0,)
    with connection.cursor() as cur:  # as a pooler's DISCARD ALL: psycopg does not see it
        cur.execute("DO $$BEGIN EXECUTE 'DEALLOCATE ALL'; END$$")
    assert _prepared_count(f"FROM {table}") == 0
    assert prepared.execute(sql, {"above": 0}).fetchone() == (0,)
    assert _prepared_count(f"FROM {table}") == 1


def test_statements_are_logged_when_django_logs_queries(table):
    from django.test.utils import CaptureQueriesContext

    sql = f"SELECT note FROM {table} WHERE id = %(id)s"  # noqa: S608
    with CaptureQueriesContext(connection) as queries:
        prepared.execute(sql, {"id": 7})
    assert [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]] == [sql]


def test_one_cursor_serves_every_call_and_a_closed_one_is_replaced(table):
    """Its transformer keeps the dumpers and loaders it chose (see the module docstring)."""
    sql = f"SELECT count(*) FROM {table} WHERE id > %(above)s"  # noqa: S608
    with prepared.execute(sql, {"above": 0}) as first:
        assert first.fetchone() == (0,)
    with prepared.execute(sql, {"above": 1}) as second:
        assert second is first and not second.closed
        assert second.fetchone() == (0,)
    second.close()  # as when its connection went away
    with prepared.execute(sql, {"above": 0}) as third:
        assert third is not first and third.fetchone() == (0,)


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_between_requests_is_replaced_before_the_statement():
    """A PostgreSQL restart (or an administrator) ends idle connections; Django's health check
    runs only in its own cursors, so the prepared path checks for itself that the server has
    not spoken since the last request: a new request's first statement must not fail."""
    from django.db import close_old_connections, connections

    sql = "SELECT pg_backend_pid() WHERE %(probe)s"
    (first_pid,) = prepared.execute(sql, {"probe": True}).fetchone()
    admin = connections.create_connection("default")  # another session, as an administrator's
    try:
        with admin.cursor() as cur:  # waits (up to 2 s) until the backend has gone, as after a restart
            cur.execute("SELECT pg_terminate_backend(%s, 2000)", [first_pid])
            assert cur.fetchone() == (True,)
    finally:
        admin.close()
    close_old_connections()  # what Django does when the next request starts
    (second_pid,) = prepared.execute(sql, {"probe": True}).fetchone()
    assert second_pid != first_pid


def test_an_indented_statement_past_psycopgs_cache_limit_is_converted_once(table, monkeypatch):
    """psycopg keeps its placeholder conversion only for statements up to 4 KiB; a long
    hot statement was parsed again on every call. Sent without indentation, it fits."""
    from psycopg import _queries

    filler = "".join(f"\n{' ' * 60}AND %(id)s = %(id)s" for _ in range(60))
    sql = f"""
        SELECT id FROM {table}
        WHERE id = %(id)s{filler}"""  # noqa: S608
    assert len(sql.encode()) > _queries.MAX_CACHED_STATEMENT_LENGTH
    assert len(prepared.fitted(sql).encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} (id, note) VALUES (7, 'x')")  # noqa: S608
    conversions = []
    original = _queries._query2pg_nocache
    monkeypatch.setattr(_queries, "_query2pg_nocache", lambda *a: conversions.append(1) or original(*a))
    for _ in range(3):
        assert prepared.execute(sql, {"id": 7}).fetchone() == (7,)
    assert conversions == []
