"""What waits for a staff member behind each workbench entry (``WorkbenchEntry.count``):
one COUNT, through the same access gate as the page it links to."""

from minsheng.access.selectors import active_assignments

from . import selectors


def rectifications_owed(user) -> int:
    """The rectification orders the officer's units still owe a report on or await re-evaluation for."""
    units = active_assignments(user=user, roles=["project_unit_officer"]).values("organisation_id")
    return selectors.rectifications_open_for_units(units=units).count()
