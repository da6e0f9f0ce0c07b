import hashlib

from django.utils import timezone
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth


class SessionAuth(NinjaSessionAuth):
    """The browser's session (CSRF-checked for unsafe methods by ninja)."""


class TokenAuth(APIKeyHeader):
    """``Authorization: Token <token>`` for systems that integrate (department back ends)."""

    param_name = "Authorization"

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        from minsheng.identity.models import User

        digest = hashlib.sha256(key[6:].strip().encode()).hexdigest()
        user = User.objects.filter(api_token_hash=digest, is_active=True).first()
        if user is None:
            return None
        request.user = user
        request.token_authenticated_at = timezone.now()
        return user
