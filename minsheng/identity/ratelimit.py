"""Small cache-based limits: per-IP rate limits and per-account sign-in lockout.

``@rate_limit(key="ip", rate="10/m", scope="otp")`` works on Django views and
on django-ninja operations; past the limit it answers 429 with a translated
page, or the API error shape ``{code, message, fields}`` for /api/ paths.
Counters live in the cache (fixed windows), so every process of a server
shares them when the cache is shared (file cache, Redis).
"""

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import DomainError, ErrorCode, RateLimited
from minsheng.core.middleware import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"10/m" -> (10, 60); "100/5m" -> (100, 300)."""
    count, _sep, period = rate.partition("/")
    multiplier = int(period[:-1] or 1)
    return int(count), multiplier * _PERIODS[period[-1]]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def rate_limit_hit(*, scope: str, ident: str, rate: str) -> bool:
    """Count one hit; True when ``ident`` is over ``rate`` within the current window."""
    if not settings.RATE_LIMITS_ENABLED:
        return False
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    key = f"rl:{scope}:{_digest(ident)}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count > limit


def _ident(request, key: str | Callable) -> str:
    if callable(key):
        return str(key(request))
    if key == "user" and getattr(request, "user", None) and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request) or 'unknown'}"


def rate_limited_response(request, error: DomainError | None = None):
    error = error or RateLimited(_("Too many requests. Please wait a minute and try again."))
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=429)
    return render(request, "identity/rate_limited.html", {"message": error.message}, status=429)


def rate_limit(*, key: str | Callable = "ip", rate: str = "10/m", scope: str = "default",
               methods: tuple[str, ...] = ("POST",)):
    """Limit ``methods`` of a view to ``rate`` per ``key`` (``"ip"``, ``"user"`` or a callable)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and rate_limit_hit(
                scope=scope, ident=_ident(request, key), rate=rate
            ):
                return rate_limited_response(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- lockout after repeated sign-in failures ---------------------------------
class LockedOut(DomainError):
    code = ErrorCode.LOCKED_OUT

    def __init__(self, until: dt.datetime):
        local = timezone.localtime(until)
        super().__init__(
            _(
                "Too many failed attempts. Signing in to this account is paused until "
                "%(time)s. Please try again then, or reset your password by SMS."
            )
            % {"time": formats.time_format(local, "H:i")}
        )
        self.until = until


def _lock_keys(ident: str) -> tuple[str, str]:
    d = _digest(ident)
    return f"lock:fail:{d}", f"lock:until:{d}"


def lockout_check(ident: str) -> None:
    """Raise LockedOut while ``ident`` (an account or phone) is locked."""
    _fails, until_key = _lock_keys(ident)
    until = cache.get(until_key)
    if until is not None and until > time.time():
        raise LockedOut(dt.datetime.fromtimestamp(until, tz=dt.UTC))


def lockout_fail(ident: str) -> None:
    """Count a failure; the LOGIN_MAX_FAILURES-th locks for LOGIN_LOCKOUT_SECONDS."""
    fails_key, until_key = _lock_keys(ident)
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    cache.add(fails_key, 0, timeout=seconds)
    try:
        fails = cache.incr(fails_key)
    except ValueError:
        cache.set(fails_key, 1, timeout=seconds)
        fails = 1
    if fails >= settings.LOGIN_MAX_FAILURES:
        cache.set(until_key, time.time() + seconds, timeout=seconds)
        cache.delete(fails_key)


def lockout_clear(ident: str) -> None:
    cache.delete_many(list(_lock_keys(ident)))
