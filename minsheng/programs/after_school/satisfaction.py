"""家长满意度 — parents rate the care their child has a place in, through the core 好差评 ratings.

One rating per guardian and application (the core's one-rating-per-target rule), so a
family rates each term's care once per guardian. The rating's organisation is the
offering's host, its service key ``after_school.<kind>``; a bad rating opens the core's
follow-up case for that organisation. Supervision counts a rating at "basically
satisfied" or better as satisfied, as the core's rating statistics do.
"""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed
from minsheng.ratings.models import Rating, RatingLevel
from minsheng.ratings.services import rating_submit

from .models import Application, ApplicationState
from .services import application_get_for_guardian

RATABLE_STATES = (ApplicationState.ADMITTED, ApplicationState.ACCEPTED)
SATISFIED_FROM = RatingLevel.BASICALLY_SATISFIED


def can_rate(*, application: Application, today: date | None = None) -> bool:
    """A place is held and the term has begun (the care is being given)."""
    today = today or timezone.localdate()
    return application.state in RATABLE_STATES and application.offering.term.starts_on <= today


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


def ratings_of_term(*, term, organisations=None) -> QuerySet[Rating]:
    """The ratings of the term's applications (optionally of offerings hosted by ``organisations``)."""
    apps = Application.objects.filter(offering__term=term)
    qs = Rating.objects.filter(
        target_type=ContentType.objects.get_for_model(Application),
        target_id__in=apps.annotate(ref=Cast("pk", CharField())).values("ref"),
    )
    if organisations is not None:
        qs = qs.filter(organisation__in=organisations)
    return qs


def satisfaction_counts() -> dict:
    """Aggregates for ``values(...).annotate(**satisfaction_counts())``."""
    return {"n": Count("id"), "satisfied": Count("id", filter=Q(level__gte=SATISFIED_FROM))}


def my_ratings(*, user, application_ids) -> dict[int, int]:
    """{application id: level} of ``user``'s own ratings."""
    rows = Rating.objects.filter(
        rater=user, target_type=ContentType.objects.get_for_model(Application),
        target_id__in=[str(i) for i in application_ids],
    ).values_list("target_id", "level")
    return {int(t): level for t, level in rows}
