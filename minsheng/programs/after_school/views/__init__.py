"""Pages by audience: ``portal`` (guardians, on their phones), ``workbench`` (teachers' roll call
and pick-up, supervision figures), ``manage`` (schools set up offerings, windows and lotteries)."""

from django.contrib import messages

from minsheng.core.errors import DomainError


def show_error(request, exc: DomainError) -> None:
    messages.error(request, exc.message)
    for field_messages in exc.fields.values():
        for m in field_messages:
            if m != str(exc.message):
                messages.error(request, m)
