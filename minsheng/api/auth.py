"""How the API knows who calls: the browser's session, or ``Authorization: Token …``.

A token is looked up by its sha256 digest (the only form stored, ``User.api_token_hash``)
among active accounts: one indexed query, before the view, so ``request.user`` is the
caller in every endpoint. A rotated or cleared token, or a deactivated account, is refused
on its next request.
"""

import hashlib
from dataclasses import dataclass

from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth


class SessionAuth(NinjaSessionAuth):
    """The browser's session (CSRF-checked for unsafe methods by ninja)."""


def token_principal(digest: str, *, user_hint: int | None = None):
    """The active user whose API token has this digest, or None."""
    from minsheng.identity.models import User

    return User.objects.filter(api_token_hash=digest, is_active=True).first()


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
