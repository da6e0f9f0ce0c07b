"""Request context for the audit trail: who acts, from which address."""

import contextvars
import logging
import time
import uuid

from django.conf import settings

# One line per request at INFO (method, path, status, milliseconds, request id).
access_log = logging.getLogger("minsheng.access")

_current_request: contextvars.ContextVar = contextvars.ContextVar("minsheng_request", default=None)


def current_request():
    return _current_request.get()


def client_ip(request) -> str | None:
    """The address of the person's device: REMOTE_ADDR, or behind one of TRUSTED_PROXY_IPS
    (nginx on the same machine) the nearest X-Forwarded-For hop that is not a trusted proxy.
    Hops further left were written by the client and are not believed."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXY_IPS
    if remote not in trusted:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:45]
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The proxy's id when it sends one (nginx: $request_id), else a new one; bounded
        # because it is logged and stored with audit events.
        request.request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        started = time.monotonic()
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "request_id": request.request_id,
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round((time.monotonic() - started) * 1000, 1),
                    },
                )
        finally:
            _current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
