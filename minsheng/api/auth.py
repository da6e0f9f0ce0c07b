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
def _token_query() -> tuple[str, tuple]:
    """The token lookup's SQL and parameters, built by the ORM once per process:
    window clerks' tablets call the API all day, and compiling the same query
    each time cost more than PostgreSQL spent answering it."""
    from minsheng.identity.models import User

    query = User.objects.filter(api_token_hash=_DIGEST, is_active=True).order_by()[:1].query
    sql, params = query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _token_user(digest: str):
    from minsheng.identity.models import User

    sql, params = _token_query()
    # raw() converts each column as the ORM would (dates on SQLite, encrypted fields)
    rows = User.objects.raw(sql, [digest if p == _DIGEST else p for p in params])
    return next(iter(rows), None)


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
