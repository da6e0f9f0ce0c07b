"""家长满意度 — parents rate the care their child has a place in, through the core 好差评 ratings.

One rating per guardian and application (the core's one-rating-per-target rule), so a
family rates each term's care once per guardian. The rating's organisation is the
offering's host, its service key ``after_school.<kind>``; a bad rating opens the core's
follow-up case for that organisation.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed
from minsheng.ratings.models import Rating
from minsheng.ratings.services import rating_submit

from ..selectors.satisfaction import RATABLE_STATES
from .applications import application_get_for_guardian


def application_rate(*, guardian_user, application_id: int, level: int, comment: str = "",
                     today: date | None = None) -> Rating:
    """A guardian rates the care of their child's application (once; a second rating is a 409)."""
    app = application_get_for_guardian(guardian_user=guardian_user, application_id=application_id)
    if app.state not in RATABLE_STATES:
        raise ValidationFailed(_("You can rate the care once your child has a place in it."))
    today = today or timezone.localdate()
    if today < app.offering.term.starts_on:
        raise ValidationFailed(_("You can rate the care once it has started. Please come back after %(date)s.")
                               % {"date": app.offering.term.starts_on.isoformat()})
    host = app.offering.host
    return rating_submit(rater=guardian_user, target=app, level=level, comment=comment, organisation=host,
                         service_key=f"after_school.{app.offering.kind}", region=host.region)
