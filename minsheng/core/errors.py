"""One error shape for the whole platform.

Services raise these; the API turns them into ``{"code", "message", "fields"}``
with the status below, and views show ``message`` and the per-field messages
next to the inputs. Messages are full, translated sentences that tell the user
what to do.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    STATE_CHANGED = "state_changed"
    DUPLICATE = "duplicate"
    FULL = "full"
    RATE_LIMITED = "rate_limited"
    LOCKED_OUT = "locked_out"
    UNAVAILABLE = "unavailable"
    SERVER_ERROR = "server_error"  # a fault of ours, never raised on purpose


STATUS_FOR_CODE = {
    ErrorCode.INVALID: 422,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.STATE_CHANGED: 409,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.FULL: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.LOCKED_OUT: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.SERVER_ERROR: 500,
}


class DomainError(Exception):
    """A refusal the user can understand. Nothing was changed when it is raised."""

    code: ErrorCode = ErrorCode.INVALID
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, fields: dict[str, list[str]] | None = None, code=None):
        self.message = message if message is not None else self.default_message
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        if code is not None:
            self.code = ErrorCode(code)
        super().__init__(str(self.message))

    @property
    def status(self) -> int:
        return STATUS_FOR_CODE[self.code]

    def as_dict(self) -> dict:
        return {"code": str(self.code), "message": str(self.message), "fields": self.fields}


class ValidationFailed(DomainError):
    code = ErrorCode.INVALID
    default_message = _("Some of the information is not valid. Please correct the marked fields.")

    @classmethod
    def for_field(cls, field: str, message) -> "ValidationFailed":
        return cls(message, fields={field: [message]})


class NotAllowed(DomainError):
    code = ErrorCode.FORBIDDEN
    default_message = _(
        "You are not allowed to do this. Ask your administrator if you need access."
    )


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    default_message = _("What you asked for does not exist or is not visible to you.")


class Conflict(DomainError):
    code = ErrorCode.CONFLICT
    default_message = _("Someone else changed this at the same time. Reload and try again.")


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED
    default_message = _("Too many attempts. Please wait a moment and try again.")


class Unavailable(DomainError):
    """A service the platform depends on (the SMS provider, …) did not answer."""

    code = ErrorCode.UNAVAILABLE
    default_message = _("The service is not available at the moment. Please try again in a few minutes.")


def fields_from_django(error) -> dict[str, list[str]]:
    """Turn a django ValidationError (or a form's errors) into our ``fields`` map."""
    if hasattr(error, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in error.error_dict.items()}
    if hasattr(error, "get_json_data"):
        return {k: [str(e["message"]) for e in v] for k, v in error.get_json_data().items()}
    return {"__all__": [str(m) for m in getattr(error, "messages", [error])]}
