"""Pages of the elderly-care program, one module per audience:

- portal.py — citizens applying for home care;
- caregiver.py — the caregiver's phone pages: today's visits, the visit (check in … confirm);
- workbench.py — staff at work: elders, orders, statements, alarms, applications,
  follow-up calls, rectifications, retrofits, the ability assessment;
- oversight.py — civil-affairs oversight: the anomaly review list and the dashboard;
- canteen.py — the elderly canteen's meal counter;
- manage.py — set-up by civil affairs: the entitlement rules.

Views parse input, call one service and render; a refusal comes back as the service's
translated message, and nothing already saved is lost.
"""

from datetime import date

from django.contrib import messages
from django.utils import timezone

from minsheng.core.errors import DomainError

from ..services.periods import month_start


def show_error(request, exc: DomainError) -> None:
    """The service's refusal as one message: the sentence, then each field's detail."""
    details = [str(m) for msgs in exc.fields.values() for m in msgs]
    messages.error(request, " ".join([str(exc.message), *details]) if details else str(exc.message))


def month_param(value: str | None) -> date:
    """The month named by ``YYYY-MM`` or a date in it; this month when missing or unreadable."""
    try:
        return (
            date.fromisoformat(f"{value}-01")
            if value and len(value) == 7
            else month_start(date.fromisoformat(value or ""))
        )
    except ValueError:
        return month_start(timezone.localdate())
