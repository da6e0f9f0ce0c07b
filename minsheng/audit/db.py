"""Append-only at the database level: triggers refuse UPDATE and DELETE of audit rows.

The one UPDATE allowed is Django's own ``on_delete=SET_NULL`` when an
account is removed: only ``actor_id`` may change, and only to NULL (the
entry keeps ``actor_label``). Everything else raises, whoever connects.

PostgreSQL compares whole rows as JSON minus ``actor_id``, so columns added
later are covered without touching the trigger. The SQLite trigger names the
columns; a migration adding a column must re-create it (sqlite_triggers()).
"""

PG_SQL = [
    """
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
           AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
    """
    CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
    """,
]

PG_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only();",
]

SQLITE_COLUMNS = [
    "id", "occurred_at", "actor_label", "event_type", "target_type", "target_id",
    "target_label", "old_values", "new_values", "ip_address", "request_id",
]

SQLITE_UPDATE = (
    "CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    "WHEN NOT (NEW.actor_id IS NULL AND "
    + " AND ".join(f"NEW.{c} IS OLD.{c}" for c in SQLITE_COLUMNS)
    + ") BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END;"
)
SQLITE_DELETE = (
    "CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END;"
)
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
]


def install(connection, *, with_sqlite_delete: bool = True) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in PG_SQL:
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_UPDATE)
            if with_sqlite_delete:
                cursor.execute(SQLITE_DELETE)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for sql in PG_REVERSE if connection.vendor == "postgresql" else SQLITE_REVERSE:
            cursor.execute(sql)
