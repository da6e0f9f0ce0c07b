"""Checking a manager's input: one refusal names every bad field."""

from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed


class FieldErrors:
    """Collects per-field messages so one refusal names every bad field."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message) -> None:
        self.fields.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if not self.fields:
            return
        messages = [m for ms in self.fields.values() for m in ms]
        if len(messages) == 1:
            raise ValidationFailed(messages[0], fields=self.fields)
        raise ValidationFailed(fields=self.fields)


def text_ok(errors: FieldErrors, field: str, value: str, *, max_length: int, required=None) -> bool:
    """A one-line text: present (when ``required`` gives the message), short enough,
    without control characters (PostgreSQL refuses NUL). True when it may be looked up."""
    if not value:
        if required:
            errors.add(field, required)
        return False
    if any(ord(c) < 32 for c in value):
        errors.add(field, _("Remove the line breaks and control characters from this text."))
        return False
    if len(value) > max_length:
        errors.add(field, _("Keep this text to %(n)d characters or fewer.") % {"n": max_length})
        return False
    return True
