"""Rating statistics per service, department and region, within the reader's scope."""

from datetime import datetime

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from minsheng.access.selectors import scope_q
from minsheng.cases.process import processes
from minsheng.core.errors import ValidationFailed

from .models import Rating

GROUPS = {
    "organisation": ("organisation_id", "organisation__name"),
    "service": ("service_key", "service_key"),
    "region": ("region_id", "region__name"),
}
STATS_ROLES = ("supervisor", "admin", "department_head")


def ratings_visible(*, user) -> QuerySet[Rating]:
    """Supervisors see their region subtree; department heads their organisation's ratings."""
    q = scope_q(user=user, roles=["supervisor", "admin"], region_field="region") | scope_q(
        user=user, roles=["department_head"], region_field="region", organisation_field="organisation"
    )
    return Rating.objects.filter(q)


def rating_stats(*, scope_user, group_by: str = "organisation", since: datetime | None = None) -> list[dict]:
    if group_by not in GROUPS:
        raise ValidationFailed.for_field(
            "group_by", _("Group the statistics by organisation, service or region.")
        )
    key, label = GROUPS[group_by]
    qs = ratings_visible(user=scope_user)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    rows = (
        qs.values(key, label)
        .annotate(
            count=Count("id"),
            average=Avg("level"),
            good=Count("id", filter=Q(level__gte=3)),
            bad=Count("id", filter=Q(level__lte=2)),
        )
        .order_by("-count", key)
    )
    titles = {p.key: str(p.title) for p in processes()}
    return [
        {
            "key": str(r[key]),
            "label": titles.get(r[label], r[label]) if group_by == "service" else r[label],
            "count": r["count"],
            "average": round(float(r["average"] or 0), 2),
            "satisfaction_rate": round(r["good"] / r["count"], 4) if r["count"] else 0.0,
            "bad": r["bad"],
        }
        for r in rows
    ]


def rating_for_case(*, user, case) -> Rating | None:
    from django.contrib.contenttypes.models import ContentType

    return Rating.objects.filter(
        rater=user, target_type=ContentType.objects.get_for_model(case), target_id=str(case.pk)
    ).first()
