"""好差评: one rating per finished service; a bad rating opens a follow-up case."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.cases.models import Case
from minsheng.cases.routing import role_holders
from minsheng.cases.selectors import is_applicant_side
from minsheng.cases.services import case_open, clean_text
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.notifications.services import notification_send

from .models import BAD_LEVELS, Rating, RatingLevel

ALREADY_RATED = _("You have already rated this service. Each service can be rated once.")


def rating_submit(
    *,
    rater,
    target,
    level: int,
    comment: str = "",
    organisation,
    service_key: str,
    region,
) -> Rating:
    """Record ``rater``'s rating of ``target`` (a finished service). Second rating → Conflict."""
    if level not in RatingLevel.values:
        raise ValidationFailed.for_field(
            "level", _("Choose one of the five levels, from very satisfied to very dissatisfied.")
        )
    comment = clean_text(comment or "").strip()
    if len(comment) > 2000:
        raise ValidationFailed.for_field(
            "comment", _("Please keep the comment under 2000 characters.")
        )
    if level in BAD_LEVELS and not comment:
        raise ValidationFailed.for_field(
            "comment", _("Please tell us what went wrong so the department can put it right.")
        )
    if isinstance(target, Case):
        if not is_applicant_side(user=rater, case=target):
            raise NotAllowed(_("Only the applicant can rate this service."))
        if target.closed_at is None:
            raise ValidationFailed(
                _("You can rate this service once it is finished. Please come back then.")
            )
    target_type = ContentType.objects.get_for_model(target)
    if Rating.objects.filter(rater=rater, target_type=target_type, target_id=str(target.pk)).exists():
        raise Conflict(ALREADY_RATED, code="duplicate")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                rater=rater,
                target_type=target_type,
                target_id=str(target.pk),
                organisation=organisation,
                service_key=service_key,
                region=region,
                level=level,
                comment=comment,
            )
            audit_record(
                event_type="ratings.submit",
                actor=rater,
                target=rating,
                new={"level": level, "service": service_key, "target": f"{target_type.model}:{target.pk}"},
            )
            if level in BAD_LEVELS:
                _open_follow_up(rating)
    except IntegrityError:
        raise Conflict(ALREADY_RATED, code="duplicate")
    return rating


def _open_follow_up(rating: Rating) -> None:
    case = case_open(
        process_key="rating_follow_up",
        applicant=rating.rater,
        region=rating.region,
        organisation=rating.organisation,
        actor=rating.rater,
        payload={
            "rating_id": rating.pk,
            "level": rating.level,
            "comment": rating.comment,
            "service_key": rating.service_key,
        },
    )
    rating.follow_up = case
    rating.save(update_fields=["follow_up"])
    for user in role_holders(roles=["case_officer", "department_head"], organisation=rating.organisation):
        notification_send(
            recipient=user,
            template="ratings.bad_rating",
            context={
                "organisation": rating.organisation.name,
                "service": rating.service_key,
                "reference": case.reference,
            },
            dedupe_key=f"ratings.bad.{rating.pk}.{user.pk}",
        )


def rating_submit_for_case(*, rater, case: Case, level: int, comment: str = "") -> Rating:
    """Rate a finished case: organisation, service and region come from the case."""
    if case.organisation is None:
        raise ValidationFailed(
            _("This service has no responsible department to rate. Please contact the service hall.")
        )
    return rating_submit(
        rater=rater,
        target=case,
        level=level,
        comment=comment,
        organisation=case.organisation,
        service_key=case.process_key,
        region=case.region,
    )
