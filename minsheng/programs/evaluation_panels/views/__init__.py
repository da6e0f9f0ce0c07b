"""The program's pages, one module per audience: ``public`` (no sign-in: the year's projects
and results), ``portal`` (citizens: ideas, delegates' ballots, panel members' check-in and
scoring) and ``workbench`` (staff: organisers' sessions and supervision, lead units' progress
and rectification)."""

from django.contrib import messages

from minsheng.core.errors import DomainError


def show_errors(request, exc: DomainError) -> None:
    """The error's message and each field's message (once) as page messages."""
    messages.error(request, str(exc.message))
    for field_msgs in exc.fields.values():
        for m in field_msgs:
            if m != str(exc.message):
                messages.error(request, m)
