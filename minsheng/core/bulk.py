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
from django.db.models import Lookup
from django.utils import timezone

DEFAULT_BATCH = 5000
# On PostgreSQL a writer that has loaded this many rows into its table, and as many again since
# its last time, refreshes the table's statistics (ANALYZE, which sees the transaction's own
# rows). Without it the planner plans the rows just loaded as if the table were empty —
# autovacuum analyses only after COMMIT, and a demo part or an import queries its own rows
# before that: the after-school supervision export at scale 1 chose a nested loop over the
# applications for each rating and ran for minutes instead of ~0.03 s. Doubling keeps the
# ANALYZE runs to a few per table (each samples at most 30,000 rows).
ANALYZE_FROM = 10_000
# Fields whose get_db_prep_save returns a value of these types unchanged (exact classes only:
# a subclass such as an encrypted text field converts, so it always goes through the field).
_PLAIN_FIELDS = (
    models.CharField, models.TextField, models.SlugField, models.EmailField, models.IntegerField,
    models.PositiveIntegerField, models.PositiveSmallIntegerField, models.SmallIntegerField,
    models.BigIntegerField, models.BooleanField, models.FloatField, models.ForeignKey,
    models.OneToOneField, models.AutoField, models.BigAutoField,
)
_PLAIN_TYPES = frozenset((str, int, float, bool, type(None)))


@models.Field.register_lookup
class BulkIn(Lookup):
    """``field__bulk_in=[…thousands of values…]``: ``IN`` for the lookups of a bulk path.
    PostgreSQL gets one array parameter (``= ANY(%s)``) instead of a placeholder per value,
    whose processing and quoting cost more than the query; elsewhere it is a plain ``IN``.
    The values must be of the column's database type already (keys, hashes, codes)."""

    lookup_name = "bulk_in"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", list(lhs_params)  # nothing matches an empty list
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


models.ForeignObject.register_lookup(BulkIn)  # related fields keep lookups of their own: keys too


class Row(dict):
    """A written row's values by attribute name (``row.pk``, ``row.user_id``, ``row.name``);
    a field not given reads as its default."""

    __slots__ = ("_defaults",)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            pass
        try:
            return self._defaults[name]
        except (KeyError, AttributeError):
            raise AttributeError(name) from None

    @property
    def pk(self):
        return self["pk"]


_AUTO, _CONST, _CALL = 1, 2, 3
_PLAIN, _TIME, _FIELD = 1, 2, 3
_MISSING = object()


def _converter(field: models.Field, connection):
    """``field.get_db_prep_save(value, connection)`` for a value that is not None, without the
    steps that do nothing for the field (the class's own methods are the base ones)."""
    if type(field) is models.JSONField:
        prep, adapt, encoder = field.get_prep_value, connection.ops.adapt_json_value, field.encoder
        return lambda value: adapt(prep(value), encoder)
    cls = type(field)
    if (cls.get_db_prep_save is models.Field.get_db_prep_save
            and cls.get_db_prep_value is models.Field.get_db_prep_value):
        return field.get_prep_value  # e.g. an encrypted text field: its get_prep_value encrypts
    return lambda value: field.get_db_prep_save(value, connection)


def _compile_row(plan: list, connection, now):
    """The function that turns a row's values (by attname) into the tuple written, one step
    per field as the plan says (generated once per writer: a loop over the plan per row costs
    more than the conversions themselves). Only names from the model's Meta go into the code."""
    scope: dict = {"M": _MISSING, "PT": _PLAIN_TYPES, "now": now}
    lines = ["def row(values):", "    get = values.get"]
    for i, (attname, field, how, missing, const, conv) in enumerate(plan):
        scope[f"F{i}"], scope[f"C{i}"], scope[f"K{i}"] = field, const, conv
        lines.append(f"    v = get({attname!r}, M)")
        if missing == _AUTO:
            lines.append("    if v is M: v = now()")
        elif missing == _CONST:
            lines.append(f"    if v is M: o{i} = C{i}")
        else:
            lines.append(f"    if v is M: o{i} = F{i}.get_db_prep_save(F{i}.get_default(), CONN)")
        lead = "elif" if missing != _AUTO else "if"
        lines.append(f"    {lead} v is None: o{i} = None")
        if how == _PLAIN:
            lines.append(f"    elif type(v) in PT: o{i} = v")
            lines.append(f"    else: o{i} = F{i}.get_db_prep_save(v, CONN)")
        elif how == _TIME:  # the last conversion remembered: the rows of a batch share the clock
            scope[f"L{i}"] = [_MISSING, None]
            lines.append(f"    elif v is L{i}[0]: o{i} = L{i}[1]")
            lines.append(f"    else: o{i} = L{i}[1] = K{i}(v); L{i}[0] = v")
        else:
            lines.append(f"    else: o{i} = K{i}(v)")
    lines.append(f"    return ({''.join(f'o{i}, ' for i in range(len(plan)))})")
    scope["CONN"] = connection
    exec("\n".join(lines), scope)  # noqa: S102 - code built above from the model's field names
    return scope["row"]


class BulkWriter:
    """Buffer rows of one model and write them in batches.

        with transaction.atomic(), BulkWriter(Person) as people:
            person = people.add(Person(name="张伟", ...))   # an instance: its pk is set
            row = people.insert(name="李娜", user=account)  # values: a Row with its pk
    """

    def __init__(self, model: type[models.Model], *, batch: int = DEFAULT_BATCH, using: str = "default"):
        self.model = model
        self.batch = batch
        self.using = using
        self.connection = connections[using]
        self.fields = list(model._meta.concrete_fields)
        self.pk = model._meta.pk
        self.table = model._meta.db_table
        self.written = 0
        self._analyzed_at = 0  # rows written when the table was last analysed by this writer
        self._rows: list[tuple] = []
        self._ids: list[int] = []
        self._next_id: int | None = None
        self._explicit = False  # keys given by the caller: the sequence is moved past them on close
        self._serial = isinstance(self.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
        self._rename = {f.name: f.attname for f in self.fields if f.name != f.attname}
        self._known = {f.attname for f in self.fields}
        self._defaults: dict = {}
        # Per field: attname, field, how its value converts (_PLAIN: unconverted when of a plain
        # type; _TIME: a date or time, the last conversion remembered, as the rows of one batch
        # share the writer's clock; _FIELD: through the field), and what a row that does not give
        # it gets (the writer's clock, a constant, a callable's value).
        self._plan = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                missing, const = _AUTO, None
            elif f.has_default() and f.default is timezone.now:
                missing, const = _AUTO, None  # default=timezone.now: the clock, as for auto_now_add
                self._defaults[f.attname] = None
            elif f.has_default() and callable(f.default):
                missing, const = _CALL, None
            else:
                self._defaults[f.attname] = f.get_default()
                missing, const = _CONST, f.get_db_prep_save(self._defaults[f.attname], self.connection)
            if type(f) in _PLAIN_FIELDS:
                how = _PLAIN
            elif type(f) in (models.DateTimeField, models.DateField):
                how = _TIME
            else:
                how = _FIELD
            self._plan.append((f.attname, f, how, missing, const, _converter(f, self.connection)))
        self._auto = [p[0] for p in self._plan if p[3] == _AUTO and p[0] not in self._defaults]
        self._clocked = [p[0] for p in self._plan if p[3] == _AUTO]
        self._now = None
        self._row = _compile_row(self._plan, self.connection, self.now)

    def now(self):
        """The writer's clock: one ``timezone.now()`` per batch for the rows' auto timestamps
        (PostgreSQL's ``now()`` is likewise one instant per transaction)."""
        if self._now is None:
            self._now = timezone.now()
        return self._now

    # --- keys ---------------------------------------------------------------
    def reserve_key(self) -> int:
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
    def insert(self, **values) -> Row:
        """Add a row from field values (``user=`` an instance or Row, or ``user_id=``); the
        fields not given take their defaults. Returns the values with the row's key."""
        pk = self.put(values)
        row = Row(values)
        row._defaults = self._defaults
        row["pk"] = pk
        return row

    def put(self, values: dict):
        """``insert`` for a caller that needs only the key: takes ``values`` over (the dict
        gains the key and timestamps) and returns the key."""
        if self._rename and not values.keys().isdisjoint(self._rename):
            for name in self._rename.keys() & values.keys():
                value = values.pop(name)
                values[self._rename[name]] = value.pk if value is not None else None
        if not self._known.issuperset(values):
            raise TypeError(f"{self.model.__name__} has no field(s) {set(values) - self._known}")
        pk = values.get(self.pk.attname)
        if self._serial and pk is None:
            pk = values[self.pk.attname] = self.reserve_key()
        elif self._serial:
            self._explicit = True
        if self._clocked:
            now = self._now or self.now()
            for attname in self._clocked:
                if values.get(attname) is None:
                    values[attname] = now
        self._append(values)
        return pk

    def add(self, obj: models.Model) -> models.Model:
        """Add a model instance (as ``save()`` would insert it); sets its key."""
        values = {}
        for attname, field, _how, missing, _const, _conv in self._plan:
            if missing == _AUTO and attname in self._auto:
                if type(field) is models.DateTimeField:  # pre_save's timezone.now(), from the clock
                    values[attname] = self._now or self.now()
                    setattr(obj, attname, values[attname])
                else:
                    values[attname] = field.pre_save(obj, True)
            else:
                values[attname] = getattr(obj, attname)
        if self._serial and values[self.pk.attname] is None:
            values[self.pk.attname] = self.reserve_key()
            setattr(obj, self.pk.attname, values[self.pk.attname])
        elif self._serial:
            self._explicit = True
        obj._state.adding = False
        obj._state.db = self.using
        self._append(values)
        return obj

    def add_all(self, objs: Iterable[models.Model]) -> None:
        for obj in objs:
            self.add(obj)

    def _append(self, values: dict) -> None:
        self._rows.append(self._row(values))
        if len(self._rows) >= self.batch:
            self.flush()

    def flush(self) -> int:
        rows, self._rows = self._rows, []
        self._now = None  # the next batch reads the clock again
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
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608 - names from Meta
                    rows,
                )
        if conn.vendor != "postgresql" and self._serial:
            self._next_id = None  # re-read after the write: other code may insert between batches
        self.written += len(rows)
        if conn.vendor == "postgresql" and self.written >= max(ANALYZE_FROM, 2 * self._analyzed_at):
            with conn.cursor() as cur:
                cur.execute(f"ANALYZE {table}")  # the name comes from the model's Meta
            self._analyzed_at = self.written
        return len(rows)

    def close(self) -> int:
        self.flush()
        if self._explicit and self.connection.vendor == "postgresql":
            # Keys the caller chose did not come from the sequence: move it past them.
            table = self.connection.ops.quote_name(self.table)
            column = self.connection.ops.quote_name(self.pk.column)
            with self.connection.cursor() as cur:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), (SELECT coalesce(max({column}), 1) "  # noqa: S608
                    f"FROM {table}))",  # names from the model's Meta
                    [table, self.pk.column],
                )
            self._explicit = False
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
