"""The REST API, /api/v1/: one NinjaAPI, routers found in each app's ``api`` module.

Errors always have the shape ``{"code", "message", "fields"}`` (see
minsheng.core.errors): 422 invalid, 401 not signed in, 403 not allowed,
404 not found or not visible, 409 conflict.
"""

import functools
import importlib
import importlib.util
import inspect
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from minsheng.core.errors import DomainError, ErrorCode
from minsheng.core.registry import registry

from .auth import SessionAuth, TokenAuth
from .parser import GuardedParser, UnfitInBody, integer_text_too_large, unfit_refusal

logger = logging.getLogger("minsheng.api")

api = NinjaAPI(
    title="minsheng API",
    version="1",
    description="民生 — public services of a city. Errors: {code, message, fields}.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    parser=GuardedParser(),
)


def _error(request, status: int, code, message, fields=None):
    return api.create_response(
        request, {"code": str(code), "message": str(message), "fields": fields or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [
            str(p)
            for p in err.get("loc", [])
            if p not in ("body", "query", "path", "form", "file", "payload")
        ]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return _error(
        request,
        422,
        ErrorCode.INVALID,
        _("Some of the information is not valid. Please correct the marked fields."),
        fields,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, ErrorCode.UNAUTHENTICATED, _("Please sign in first."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _error(
        request,
        403,
        ErrorCode.FORBIDDEN,
        _("You are not allowed to do this. Ask your administrator if you need access."),
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(
        request,
        404,
        ErrorCode.NOT_FOUND,
        _("What you asked for does not exist or is not visible to you."),
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, UnfitInBody):  # ninja wraps what the body parser raised
        return on_domain_error(request, unfit_refusal(exc.__cause__.path, exc.__cause__.reason))
    code = {
        400: ErrorCode.INVALID,
        401: ErrorCode.UNAUTHENTICATED,
        403: ErrorCode.FORBIDDEN,
        404: ErrorCode.NOT_FOUND,
        409: ErrorCode.CONFLICT,
        429: ErrorCode.RATE_LIMITED,
    }.get(exc.status_code, ErrorCode.INVALID)
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(Exception)
def on_server_error(request, exc: Exception):
    """A fault of ours: its traceback goes to the server's log, as Django logs a 500; the
    caller gets the error shape without it, in DEBUG too (the demo runs with DEBUG on)."""
    logger.error(
        "Internal Server Error: %s", request.path, exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return _error(
        request,
        500,
        ErrorCode.SERVER_ERROR,
        _("Something went wrong on our side. Please try again in a moment; if it happens again, contact the service desk."),
    )


CORE_APPS_WITH_API = [
    "core",
    "regions",
    "identity",
    "access",
    "audit",
    "cases",
    "ratings",
    "notifications",
    "attachments",
]

for app in CORE_APPS_WITH_API:
    module_name = f"minsheng.{app}.api"
    if importlib.util.find_spec(module_name) is not None:
        api.add_router(f"/{app}/", importlib.import_module(module_name).router)

for program in registry.programs():
    if program.api_router:
        module_name, _sep, attr = program.api_router.partition(":")
        api.add_router(
            f"/{program.key}/", getattr(importlib.import_module(module_name), attr or "router")
        )


def _path_ids_bounded(view):
    """The API view, answering 404 for a path parameter that writes a number beyond 64 bits:
    no record has such an id, and the database could not even be asked (the parser guards
    the query string and the body the same way)."""

    def too_large(kwargs) -> bool:
        return any(isinstance(v, str) and integer_text_too_large(v) for v in kwargs.values())

    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def bounded_async(request, *args, **kwargs):
            if too_large(kwargs):
                return on_not_found(request, None)
            return await view(request, *args, **kwargs)

        return bounded_async

    @functools.wraps(view)
    def bounded(request, *args, **kwargs):
        if too_large(kwargs):
            return on_not_found(request, None)
        return view(request, *args, **kwargs)

    return bounded



def guard_path_ids(patterns: list) -> list:
    """The API's URL patterns with every view wrapped by ``_path_ids_bounded``."""
    from django.urls.resolvers import URLPattern

    for pattern in patterns:
        if isinstance(pattern, URLPattern) and not hasattr(pattern.callback, "__wrapped__"):
            pattern.callback = _path_ids_bounded(pattern.callback)
    return patterns
