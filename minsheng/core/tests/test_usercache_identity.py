"""The per-user cache is namespaced by the database itself, not only its name: a
database dropped and created again under the same name reuses user ids."""

import pytest
from django.db import connection

from minsheng.core import usercache

pytestmark = pytest.mark.django_db


def test_the_namespace_changes_with_the_database_identity(monkeypatch):
    usercache._prefix.cache_clear()
    try:
        monkeypatch.setattr(usercache, "database_identity", lambda: "16384")
        first = usercache._prefix()
        usercache._prefix.cache_clear()
        monkeypatch.setattr(usercache, "database_identity", lambda: "16385")  # same name, created again
        assert usercache._prefix() != first
    finally:
        usercache._prefix.cache_clear()


def test_the_identity_is_the_postgresql_oid_or_the_sqlite_file():
    import os

    from django.conf import settings

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            expected = str(cursor.fetchone()[0])
    else:
        name = str(settings.DATABASES["default"]["NAME"])
        expected = str(os.stat(name).st_ino) if os.path.exists(name) else ""  # in-memory test database
    assert usercache.database_identity() == expected
