"""家长满意度 reads: whether a guardian may rate an application, their ratings, and the term's
ratings as supervision counts them (at "basically satisfied" or better is satisfied, as the
core's rating statistics count)."""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from minsheng.ratings.models import Rating, RatingLevel

from ..models import Application, ApplicationState

RATABLE_STATES = (ApplicationState.ADMITTED, ApplicationState.ACCEPTED)
SATISFIED_FROM = RatingLevel.BASICALLY_SATISFIED


def can_rate(*, application: Application, today: date | None = None) -> bool:
    """A place is held and the term has begun (the care is being given)."""
    today = today or timezone.localdate()
    return application.state in RATABLE_STATES and application.offering.term.starts_on <= today


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
