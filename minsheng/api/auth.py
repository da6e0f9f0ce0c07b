import hashlib
from functools import cache

from django.db import connection
from django.utils import timezone
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth


class SessionAuth(NinjaSessionAuth):
    """The browser's session (CSRF-checked for unsafe methods by ninja)."""


_DIGEST = "\x00digest"  # stands for the token's digest while the query is compiled


@cache
def _token_query():
    """The token lookup, compiled by the ORM once per process — its SQL, parameters,
    column names and the converters the ORM applies to each column: window clerks'
    tablets call the API all day, and compiling the same query (or letting raw()
    map its columns) each time cost more than PostgreSQL spent answering it."""
    from minsheng.identity.models import User

    queryset = User.objects.filter(api_token_hash=_DIGEST, is_active=True).order_by()[:1]
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    columns = [expression for expression, _sql, _alias in compiler.select]
    names = [column.target.attname for column in columns]
    converters = [(pos, convs, expression) for pos, (convs, expression) in compiler.get_converters(columns).items()]
    return sql, tuple(params), names, converters


def _token_user(digest: str):
    from minsheng.identity.models import User

    sql, params, names, converters = _token_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest if p == _DIGEST else p for p in params])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for pos, convs, expression in converters:  # as the ORM does (dates on SQLite, encrypted fields)
        for convert in convs:
            values[pos] = convert(values[pos], expression, connection)
    return User.from_db(connection.alias, names, values)


class TokenAuth(APIKeyHeader):
    """``Authorization: Token <token>`` for systems that integrate (department back ends)."""

    param_name = "Authorization"

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        digest = hashlib.sha256(key[6:].strip().encode()).hexdigest()
        user = _token_user(digest)
        if user is None:
            return None
        request.user = user
        request.token_authenticated_at = timezone.now()
        return user
