"""Elderly mode (大字版): larger text, larger targets, stronger contrast, simpler navigation.

The choice lives in a cookie of its own, so it survives the session rotation of signing in
and out, and (for a signed-in person) in ``User.large_text``, so it follows them to another
device. The cookie, when present, wins: it is the last choice made on this browser.
"""

LARGE_TEXT_COOKIE = "ms_large_text"
LARGE_TEXT_COOKIE_AGE = 365 * 24 * 3600


def large_text_cookie(request) -> bool | None:
    """The browser's choice: True, False, or None when it never chose."""
    value = request.COOKIES.get(LARGE_TEXT_COOKIE)
    if value in ("0", "1"):
        return value == "1"
    return None


def large_text_for(request) -> bool:
    chosen = large_text_cookie(request)
    if chosen is not None:
        return chosen
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and getattr(user, "large_text", False))


def large_text_remember(response, *, request, large_text: bool) -> None:
    response.set_cookie(
        LARGE_TEXT_COOKIE,
        "1" if large_text else "0",
        max_age=LARGE_TEXT_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
