"""老年食堂 — meals taken at a community canteen, recorded at the meal counter against entitlement."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from ..models import Elder, ElderStatus, MealRecord, ServiceEntitlement
from .periods import month_start

MEALS = ("breakfast", "lunch", "dinner")
DEFAULT_PRICE = Decimal("12.00")


def meal_allowance_left(*, elder: Elder, month: date) -> Decimal | None:
    """Yuan of this month's entitlement not yet used for canteen meals; None without a yuan entitlement."""
    ent = ServiceEntitlement.objects.filter(
        elder=elder, month=month_start(month), unit="yuan"
    ).first()
    if ent is None:
        return None
    used = MealRecord.objects.filter(
        elder=elder, served_on__gte=month_start(month), served_on__lt=_next_month(month)
    ).aggregate(s=Sum("subsidy"))["s"] or Decimal(0)
    return max(Decimal(ent.amount) - used, Decimal(0))


def _next_month(day: date) -> date:
    first = month_start(day)
    return (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )


def meal_record(
    *, elder: Elder, canteen, meal: str, served_on: date, actor, price: Decimal = DEFAULT_PRICE
) -> MealRecord:
    """Record one meal; the subsidy is drawn from the elder's monthly yuan entitlement (what is left),
    the elder pays the rest. One breakfast, lunch and dinner a day per elder."""
    if meal not in MEALS:
        raise ValidationFailed.for_field("meal", _("Choose breakfast, lunch or dinner."))
    try:
        price = Decimal(str(price))
    except ArithmeticError:
        price = Decimal(-1)
    if not Decimal(0) < price <= Decimal(200):
        raise ValidationFailed.for_field(
            "price", _("Enter the meal price in yuan, for example 12.")
        )
    if elder.status != ElderStatus.ACTIVE:
        raise Conflict(
            _("%(name)s is not receiving home-care services now; record the meal as a paid meal.")
            % {"name": elder.person.name}
        )
    with transaction.atomic():
        Elder.objects.select_for_update().filter(pk=elder.pk).first()  # one counter at a time
        left = meal_allowance_left(elder=elder, month=served_on)
        subsidy = min(price, left) if left is not None else Decimal(0)
        try:
            with transaction.atomic():
                record = MealRecord.objects.create(
                    elder=elder,
                    canteen=canteen,
                    served_on=served_on,
                    meal=meal,
                    price=price,
                    subsidy=subsidy,
                    recorded_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                _("%(name)s's %(meal)s for today has already been recorded.")
                % {
                    "name": elder.person.name,
                    "meal": dict(MealRecord._meta.get_field("meal").choices)[meal],
                },
                code="duplicate",
            ) from None
        audit_record(
            event_type="elderly_care.meal_record",
            actor=actor,
            target=record,
            new={"meal": meal, "price": str(price), "subsidy": str(subsidy)},
        )
    return record
