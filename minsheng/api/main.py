"""The REST API, /api/v1/: one NinjaAPI, routers found in each app's ``api`` module.

Errors always have the shape ``{"code", "message", "fields"}`` (see
minsheng.core.errors): 422 invalid, 401 not signed in, 403 not allowed,
404 not found or not visible, 409 conflict.
"""

import importlib
import importlib.util

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from minsheng.core.errors import DomainError, ErrorCode
from minsheng.core.registry import registry

from .auth import SessionAuth, TokenAuth

api = NinjaAPI(
    title="minsheng API",
    version="1",
    description="民生 — public services of a city. Errors: {code, message, fields}.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
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
    code = {
        400: ErrorCode.INVALID,
        401: ErrorCode.UNAUTHENTICATED,
        403: ErrorCode.FORBIDDEN,
        404: ErrorCode.NOT_FOUND,
        409: ErrorCode.CONFLICT,
        429: ErrorCode.RATE_LIMITED,
    }.get(exc.status_code, ErrorCode.INVALID)
    return _error(request, exc.status_code, code, str(exc))


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


def urlpatterns_by_module(patterns: list) -> list:
    """The API's URL patterns grouped under one include per module ("service_halls/", …).

    Django tries a flat list of patterns in order, so a route near the end of the
    API's 112 paid for matching every one before it: resolving a window's call-next
    took ~108 µs against ~12 µs for a route at the top of the URLconf. Grouped by
    their first segment, a request tries the modules' prefixes, then only its own
    module's routes. Names, views and path parameters are unchanged (each route is
    the same view under the same name, with its first segment moved into the
    include), and so is which route a path resolves to: the groups keep the order of
    their routes, and routes whose first segment takes a parameter would make order
    across groups matter, so then nothing is grouped.
    """
    from django.urls import include, path
    from django.urls.resolvers import RoutePattern, URLPattern

    groups: dict[str, list] = {}
    grouped: list = []
    for pattern in patterns:
        route = pattern.pattern._route if isinstance(pattern.pattern, RoutePattern) else None
        if not isinstance(pattern, URLPattern) or route is None or route.startswith("<"):
            return patterns
        head, slash, rest = route.partition("/")
        if not slash:  # "docs", "openapi.json", "": whole-path routes, kept in place
            grouped.append(pattern)
            continue
        if head not in groups:
            groups[head] = []
            grouped.append((head, groups[head]))
        groups[head].append(path(rest, pattern.callback, kwargs=pattern.default_args, name=pattern.name))
    return [
        path(f"{item[0]}/", include(item[1])) if isinstance(item, tuple) else item
        for item in grouped
    ]
