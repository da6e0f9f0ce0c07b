"""Writing many rows fast: the one bulk path for imports and the demo city.

``BulkWriter(Model)`` takes model instances, gives each its primary key at
once (so other rows can point at it before anything is written) and writes
them in batches: ``COPY … FROM STDIN`` on PostgreSQL (psycopg 3's
``cursor.copy()``), one multi-row ``executemany`` INSERT elsewhere (SQLite).

Each value goes through the field exactly as ``Model.save()`` sends it
(``pre_save`` for auto timestamps, then ``get_db_prep_save``), so encrypted
fields are encrypted, JSON is JSON and dates are what the ORM writes: the rows
are the rows the services write. Signals are not sent (the project keeps no
business logic in them).

Use it inside ``transaction.atomic()``. On SQLite the keys come from the
table's largest id, so do not insert into the same table through the ORM
between ``add`` and ``flush``.
"""

from collections.abc import Iterable

from django.db import connections, models, transaction

DEFAULT_BATCH = 5000


class BulkWriter:
    """Buffer instances of one model and write them in batches.

        with transaction.atomic(), BulkWriter(Person) as people:
            person = people.add(Person(name="张伟", ...))   # person.pk is set
    """

    def __init__(self, model: type[models.Model], *, batch: int = DEFAULT_BATCH, using: str = "default"):
        self.model = model
        self.batch = batch
        self.using = using
        self.connection = connections[using]
        self.fields = [f for f in model._meta.concrete_fields]
        self.pk = model._meta.pk
        self.table = model._meta.db_table
        self.written = 0
        self._rows: list[models.Model] = []
        self._ids: list[int] = []
        self._next_id: int | None = None
        self._serial = isinstance(self.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)

    # --- keys ---------------------------------------------------------------
    def _reserve(self) -> int:
        """The next free key: from the sequence on PostgreSQL (safe beside other writers),
        past the largest id elsewhere (the transaction holds SQLite's write lock)."""
        if self.connection.vendor == "postgresql":
            if not self._ids:
                with self.connection.cursor() as cur:
                    cur.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                        [self.connection.ops.quote_name(self.table), self.pk.column, self.batch],
                    )
                    self._ids = [r[0] for r in cur.fetchall()][::-1]
            return self._ids.pop()
        if self._next_id is None:
            top = self.model._base_manager.using(self.using).aggregate(m=models.Max(self.pk.attname))["m"]
            self._next_id = (top or 0) + 1
        value, self._next_id = self._next_id, self._next_id + 1
        return value

    # --- writing --------------------------------------------------------------
    def add(self, obj: models.Model) -> models.Model:
        if self._serial and getattr(obj, self.pk.attname) is None:
            setattr(obj, self.pk.attname, self._reserve())
        self._rows.append(obj)
        if len(self._rows) >= self.batch:
            self.flush()
        return obj

    def add_all(self, objs: Iterable[models.Model]) -> None:
        for obj in objs:
            self.add(obj)

    def _values(self, obj: models.Model) -> list:
        conn = self.connection
        out = []
        for field in self.fields:
            out.append(field.get_db_prep_save(field.pre_save(obj, True), conn))
        obj._state.adding = False
        obj._state.db = self.using
        return out

    def flush(self) -> int:
        rows, self._rows = self._rows, []
        if not rows:
            return 0
        if not self.connection.in_atomic_block:
            raise RuntimeError("BulkWriter writes inside transaction.atomic()")
        conn = self.connection
        columns = [f.column for f in self.fields]
        quoted = ", ".join(conn.ops.quote_name(c) for c in columns)
        table = conn.ops.quote_name(self.table)
        if conn.vendor == "postgresql":
            conn.ensure_connection()
            with conn.connection.cursor() as cur:
                # Table and column names come from the model's Meta, not from input.
                with cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for obj in rows:
                        copy.write_row(self._values(obj))
        else:
            marks = ", ".join(["%s"] * len(columns))
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608 - names from Meta
                    [self._values(obj) for obj in rows],
                )
        if conn.vendor != "postgresql" and self._serial:
            self._next_id = None  # re-read after the write: other code may insert between batches
        self.written += len(rows)
        return len(rows)

    def close(self) -> int:
        self.flush()
        return self.written

    def __enter__(self) -> "BulkWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()


def bulk_write(model: type[models.Model], objs: Iterable[models.Model], *, batch: int = DEFAULT_BATCH) -> int:
    """Write ``objs`` (an iterable: streamed, never held whole) in one transaction; the count."""
    with transaction.atomic(), BulkWriter(model, batch=batch) as writer:
        writer.add_all(objs)
    return writer.written
