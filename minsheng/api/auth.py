"""How the API knows who calls: the browser's session, or ``Authorization: Token …``.

A token is looked up by its sha256 digest (the only form stored, ``User.api_token_hash``)
among active accounts: one indexed query, before the view, so ``request.user`` is the
caller in every endpoint. A rotated or cleared token, or a deactivated account, is refused
on its next request.
"""

import hashlib

from django.utils import timezone
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth


class SessionAuth(NinjaSessionAuth):
    """The browser's session (CSRF-checked for unsafe methods by ninja)."""


def token_principal(digest: str):
    """The active user whose API token has this digest, or None."""
    from minsheng.identity.models import User

    return User.objects.filter(api_token_hash=digest, is_active=True).first()


class TokenAuth(APIKeyHeader):
    """``Authorization: Token <token>`` for systems that integrate (department back ends)
    and the windows' tablets."""

    param_name = "Authorization"

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        digest = hashlib.sha256(key[6:].strip().encode()).hexdigest()
        user = token_principal(digest)
        if user is None:
            return None
        request.user = user
        request.token_authenticated_at = timezone.now()
        return user
