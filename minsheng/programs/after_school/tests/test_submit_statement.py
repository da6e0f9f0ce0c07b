"""The one-statement submit (submit_pg) stays within what psycopg caches: past 4 KiB its
placeholders are parsed again on every submit (core.prepared)."""

import itertools

from psycopg import _queries

from minsheng.core import prepared

from .. import services, submit_pg


def test_every_submit_statement_fits_psycopgs_conversion_cache():
    variants = [submit_pg._statement(read=read, take_places=take)[0]
                for read, take in itertools.product((False, True), repeat=2)]
    sizes = [len(prepared.fitted(sql).encode()) for sql in (*variants, services._FULL_ANSWER_SQL)]
    assert max(sizes) <= _queries.MAX_CACHED_STATEMENT_LENGTH, sizes
