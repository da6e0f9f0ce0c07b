"""Request context for the audit trail: who acts, from which address."""

import contextvars
import uuid

_current_request: contextvars.ContextVar = contextvars.ContextVar("minsheng_request", default=None)


def current_request():
    return _current_request.get()


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind a proxy the WSGI server is told to trust X-Forwarded-For; we take
    # REMOTE_ADDR as set by it rather than parsing the header ourselves.
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
