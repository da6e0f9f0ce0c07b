"""What waits for a staff member behind each workbench entry (``WorkbenchEntry.count``):
one COUNT, through the same access gate as the page it links to."""

from . import selectors


def open_tasks(user) -> int:
    """The start-up steps still to do in the member's departments and regions."""
    return selectors.staff_tasks_for(user=user).count()
