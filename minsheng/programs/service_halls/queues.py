"""What waits for a staff member behind each workbench entry (``WorkbenchEntry.count``):
one COUNT, through the same access gate as the page it links to."""

from django.utils import timezone

from .models import Ticket, TicketState
from .selectors.queue import windows_for


def tickets_waiting(user) -> int:
    """Numbers waiting today at the service points of the windows the clerk may sign on to."""
    points = windows_for(user=user).values("point_id")
    return Ticket.objects.filter(
        point_id__in=points, service_date=timezone.localdate(), state=TicketState.WAITING
    ).count()
