"""What the workbench shows behind each after-school entry (``WorkbenchEntry.count``).

One COUNT each, through the same selectors (and so the same scope) as the pages they link
to, so a number on the workbench is never one the page would not show. The supervision
page is a dashboard of figures, not a list of things to do: it has no count (as elderly
care's dashboard has none).
"""

from django.db.models import F, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Enrolment, LotteryState, Term
from .selectors.supervision import schools_for, windows_for_staff, windows_managed_by


def lotteries_waiting(user) -> int:
    """Windows the user runs whose lottery waits for them: closed with the lottery not run, or
    run with the results not yet published (the offerings page's two buttons)."""
    now = timezone.now()
    return windows_managed_by(user=user).filter(
        Q(closes_at__lte=now, lottery_state=LotteryState.COMMITTED)
        | Q(lottery_state=LotteryState.DONE, results_published_at__isnull=True)
    ).count()


def windows_open(user) -> int:
    """Application windows the user sees (runs or follows) that are taking applications now."""
    now = timezone.now()
    return windows_for_staff(user=user).filter(opens_at__lte=now, closes_at__gt=now).count()


def waivers_recorded(user) -> int:
    """Students of the user's schools with a family category that waives their fee, in the
    current term's school year (the waivers page's list; the term read in the same statement)."""
    today = timezone.localdate()
    school_year = Coalesce(
        Subquery(Term.objects.filter(ends_on__gte=today).order_by("starts_on").values("school_year")[:1]),
        Subquery(Term.objects.order_by("-starts_on").values("school_year")[:1]),
    )
    return (
        Enrolment.objects.filter(school__in=schools_for(user=user))
        .exclude(family_category="")
        .alias(year=school_year)
        .filter(school_year=F("year"))
        .count()
    )
