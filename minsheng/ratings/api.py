"""/api/v1/ratings/: rate a finished case, and rating statistics for supervisors."""

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema, Status

from minsheng.cases.selectors import case_get_for
from minsheng.core.errors import NotAllowed
from minsheng.core.schemas import ERROR_RESPONSES, InputDateTime

from .selectors import rating_stats
from .services import rating_submit_for_case

router = Router(tags=["ratings"])


class RatingIn(Schema):
    case_id: int
    level: int = Field(..., ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str = Field("", max_length=2000)


class RatingOut(Schema):
    id: int
    level: int
    level_title: str
    comment: str
    service_key: str
    organisation: str
    follow_up_reference: str | None
    created_at: datetime


class StatOut(Schema):
    key: str
    label: str | None
    count: int
    average: float
    satisfaction_rate: float
    bad: int


def rating_out(rating) -> dict:
    return {
        "id": rating.pk,
        "level": rating.level,
        "level_title": str(rating.get_level_display()),
        "comment": rating.comment,
        "service_key": rating.service_key,
        "organisation": rating.organisation.name,
        "follow_up_reference": rating.follow_up.reference if rating.follow_up_id else None,
        "created_at": rating.created_at,
    }


@router.post("/", response={201: RatingOut, **ERROR_RESPONSES})
def submit_rating(request, payload: RatingIn):
    """Rate a finished case once (409 on a second rating); a bad rating opens a follow-up."""
    case = case_get_for(user=request.auth, case_id=payload.case_id)
    rating = rating_submit_for_case(
        rater=request.auth, case=case, level=payload.level, comment=payload.comment
    )
    return Status(201, rating_out(rating))


@router.get("/stats", response={200: list[StatOut], **ERROR_RESPONSES})
def stats(
    request,
    group_by: Literal["organisation", "service", "region"] = "organisation",
    since: InputDateTime | None = None,
):
    """Ratings per department, service or region within my scope (supervisors, department heads)."""
    if not request.auth.is_staff:
        raise NotAllowed()
    return rating_stats(scope_user=request.auth, group_by=group_by, since=since)
