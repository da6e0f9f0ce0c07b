"""Dashboard reads on the read replica.

With ``DATABASE_REPLICA_URL`` set, settings install ``ReplicaRouter``: reads
made inside ``replica_reads()`` (or a view decorated with it) go to the
``replica`` connection, every other read and every write to the primary. A
replica lags the primary by its replication delay, so only pages that may show
figures a few seconds old use it: dashboards and KPI summaries, never a page
that acts on what it reads. Inside a transaction on the primary, reads stay on
the primary (a transaction must see its own writes).
"""

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads():
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


def replica_view(view):
    """Decorate a read-only view: its queries read the replica when one is configured."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _use_replica.get()
            and REPLICA in settings.DATABASES
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: rows from either relate.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica gets its schema by replication (tests migrate their own copy).
        return None
