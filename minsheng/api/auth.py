"""How the API knows who calls: the browser's session, or ``Authorization: Token …``.

A token is resolved from the per-user cache (minsheng.core.usercache) in the
common case, with no query: the cache maps a fingerprint of the token's digest
to the user id, and the account comes from ``principal_user`` — which the
receivers drop whenever the user row changes. The map is only a hint: a token
is accepted from the cache only when the account's own token fingerprint is the
presented token's and the account is active, so a rotated or cleared token, or
a deactivated account, is refused on its next request in every process sharing
the cache. Whenever the cache cannot vouch (a miss, an error, a mismatch), the
database decides, with the query below.

Each process also keeps the map in memory (``_local_token_users``): it is a hint in
the same way, so a stale entry can never let a request in, and a clerk's tablet
then costs one cache round trip per request instead of two. A token issued since
2026-12 starts with its user's id (``identity.services.api_token_new``), a third
hint of the same kind: a process that has not seen the token yet goes straight to
the account, one round trip instead of two (the shared map serves older tokens).
Only verified ids are kept in the process's map.

A token is written by ``identity.services.api_token_issue`` (``save``, so the
receivers drop the account). Anything that sets, clears or deactivates with
``QuerySet.update`` / ``bulk_update`` must call ``usercache.bump([id], [ACCOUNT])``
itself (ADR 0006), or the cached account keeps vouching for the old token for up
to ``USER_CACHE_SECONDS``.
"""

import hashlib
import logging
from dataclasses import dataclass
from functools import cache

from django.core.cache import cache as shared_cache
from django.db import connection
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth

from minsheng.core import usercache

logger = logging.getLogger(__name__)


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


# fingerprint → user id, learnt in this process; bounded, and only ever a hint
_local_token_users: dict[str, int] = {}
_LOCAL_TOKEN_USERS_MAX = 50_000


def _local_remember(fingerprint: str, user_id) -> None:
    if len(_local_token_users) >= _LOCAL_TOKEN_USERS_MAX:
        _local_token_users.clear()
    _local_token_users[fingerprint] = user_id


def _map_key(fingerprint: str) -> str:
    return usercache.namespaced(f"api-token:{fingerprint}")


def _map_set(key: str, user_id) -> None:
    try:
        shared_cache.set(key, user_id, usercache.timeout())
    except Exception:  # noqa: BLE001 - not storing only costs the next request the query
        logger.warning("user cache unavailable; API token map not stored", exc_info=True)


def _vouches(user, fingerprint: str) -> bool:
    return (
        user is not None
        and user.is_active
        and bool(fingerprint)
        and getattr(user, "_api_token_fingerprint", None) == fingerprint
    )


def token_principal(digest: str, *, user_hint: int | None = None):
    """The active user whose API token has this digest, or None.

    From the cache when it vouches for the token (see the module docstring), else
    from the database; never from a hint alone — this process's map, the shared
    map or ``user_hint`` (the id the token names).
    """
    from minsheng.access.principal import ACCOUNT, api_token_fingerprint, principal_user

    if not usercache.enabled():
        return _token_user(digest)
    fingerprint = api_token_fingerprint(digest)
    key = _map_key(fingerprint)
    user_id = _local_token_users.get(fingerprint) or user_hint
    if user_id is None:
        try:
            user_id = shared_cache.get(key)
        except Exception:  # noqa: BLE001 - a cache outage must not take the API down
            logger.warning("user cache unavailable; API token from the database", exc_info=True)
            return _token_user(digest)
    checked = None  # the user as the database answers for this token, when asked
    if user_id is None:
        checked = _token_user(digest)
        if checked is None:
            return None
        user_id = checked.pk
        _map_set(key, user_id)
    # One round trip for the account and the user's other slots (roles, unread), as
    # the session backend does; on a miss the account is read by id and cached
    # under the tags taken before that read (safe against a concurrent change).
    user = principal_user(user_id, usercache.fetch(user_id, usercache.SLOTS))
    if _vouches(user, fingerprint):
        _local_remember(fingerprint, user_id)
        return user
    # The cache does not vouch for this token: it was rotated or cleared, the account
    # was deactivated or deleted — or the cached account missed a write that bypassed
    # the signals. The database decides.
    if checked is None:
        checked = _token_user(digest)
        if checked is None:
            _local_token_users.pop(fingerprint, None)
            try:
                shared_cache.delete(key)
            except Exception:  # noqa: BLE001 - a stale map entry is never trusted anyway
                logger.warning("user cache unavailable; API token map not dropped", exc_info=True)
            return None
        _map_set(key, checked.pk)
    _local_remember(fingerprint, checked.pk)
    try:
        # The cached account disagrees with the database: rebuild it on the next request.
        usercache.bump([checked.pk], [ACCOUNT])
    except Exception:  # noqa: BLE001 - until it is rebuilt, each request asks the database
        logger.warning("user cache unavailable; account not dropped", exc_info=True)
    return checked


class TokenAuth(APIKeyHeader):
    """``Authorization: Token <token>`` for systems that integrate (department back ends)
    and the windows' tablets.

    ``TokenAuth(claim=True)``: for an endpoint whose one statement checks the token itself
    (a window's call-next and actions, which tablets send all day; ADR 0006 §8). A token
    that names its user is not looked up here: the request gets a ``TokenClaim`` as
    ``request.auth`` and ``request.user`` stays anonymous. A token that does not name its
    user (issued before 2026-12) is checked here all the same. One class for both, so that
    the OpenAPI document shows one token scheme."""

    param_name = "Authorization"

    def __init__(self, *, claim: bool = False):
        self.claim = claim
        super().__init__()

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        from minsheng.identity.services import api_token_user_hint

        token = key[6:].strip()
        user_id = api_token_user_hint(token)
        digest = hashlib.sha256(token.encode()).hexdigest()
        if self.claim and user_id is not None:
            return TokenClaim(user_id=user_id, digest=digest)
        user = token_principal(digest, user_hint=user_id)
        if user is None:
            return None
        return _signed_in(request, user)


def _signed_in(request, user):
    request.user = user
    request.token_authenticated_at = timezone.now()
    return user


@dataclass(frozen=True, slots=True)
class TokenClaim:
    """Who an API token says it is, before anything checked it (ADR 0006 §8).

    Deliberately not a user: it has no ``pk`` and no permissions, so nothing can
    mistake it for a signed-in account. An endpoint that receives one either passes
    ``user_id`` and ``digest`` to a statement that checks them against the account row
    in the same statement that acts, or asks for the user (``verified_user``)."""

    user_id: int
    digest: str


def token_claim(request) -> TokenClaim | None:
    """The request's unchecked token claim, if it came with one (``TokenAuth(claim=True)``)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, TokenClaim) else None


def verified_user(request):
    """The request's user, with a token claim checked the usual way first (then
    ``request.user`` is that user); a claim that does not hold is 401."""
    claim = token_claim(request)
    if claim is None:
        return request.user
    user = token_principal(claim.digest, user_hint=claim.user_id)
    if user is None:
        raise AuthenticationError()
    request.auth = user
    return _signed_in(request, user)


def token_holds_sql(account: str, digest: str = "%(digest)s") -> str:
    """The SQL condition, over the user row ``account``, that the account may act for a
    claim: it is active and, when the ``digest`` parameter is not NULL, holds that token
    (the stored sha256, as the token lookup compares it). A caller whose user is already
    known passes NULL. Statements that check a ``TokenClaim`` themselves use this, so how
    tokens are stored stays here (ADR 0006 §8)."""
    return f"{account}.is_active AND ({digest}::text IS NULL OR {account}.api_token_hash = {digest}::text)"
