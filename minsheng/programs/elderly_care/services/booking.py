"""预约上门服务 — booking a visit from the elder's monthly service entitlement, and what the
booking page and the dispatch page read: the services an elder can book (a provider's contract
price where the elder lives), what is left of the month's entitlement, the time slots, and a
caregiver's other visits of the day.

Who books is decided by the page (family, the elder, or a community or civil-affairs officer
of the elder's area); the rules of a booking are here: an active elder, a future slot the elder
has free, a service some provider is contracted for, and enough entitlement left for it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation
from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import scope_q
from minsheng.audit.services import audit_record
from minsheng.cases.selectors import people_in_care_ids
from minsheng.core.errors import Conflict, ValidationFailed

from ..catalogue import Unit
from ..models import (
    ContractPrice,
    Elder,
    ElderStatus,
    OrderStatus,
    ServiceEntitlement,
    ServiceItem,
    WorkOrder,
)
from .orders import contract_price, order_create
from .periods import month_end, month_start
from .verification import minutes_drawn

# The visit may start on the hour from 08:00 to 17:00.
SLOTS = [time(h, 0) for h in range(8, 18)]
OPEN = (OrderStatus.PLANNED, OrderStatus.DISPATCHED, OrderStatus.IN_PROGRESS, OrderStatus.AWAITING)
DRAWN = (OrderStatus.VERIFIED,)


@dataclass(frozen=True)
class Offer:
    """One service an elder can book: the provider contracted for it where the elder lives."""

    provider_id: int
    provider_name: str
    service: ServiceItem
    price: Decimal

    @property
    def key(self) -> str:
        return f"{self.provider_id}-{self.service.pk}"


@dataclass(frozen=True)
class Remaining:
    """What is left of one month's entitlement: ``unit`` "yuan" or "hours"; amounts in yuan,
    or in minutes for hours (so that sums stay exact)."""

    unit: str
    entitled: Decimal
    used: Decimal
    booked: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.entitled - self.used - self.booked, Decimal(0))

    @property
    def left_hours(self) -> Decimal:
        return (self.left / 60).quantize(Decimal("0.01"))

    @property
    def entitled_hours(self) -> Decimal:
        return (self.entitled / 60).quantize(Decimal("0.01"))


def booking_offers(*, elder: Elder, on: date) -> list[Offer]:
    """The services the elder can book for ``on``: each provider's contract price covering the
    elder's community (the most local contract wins), active catalogue items only. One query."""
    region = elder.region
    prefixes = [region.prefix[:n] for n in (2, 4, 6, 9, 12) if len(region.prefix) >= n]
    rows = (
        ContractPrice.objects.filter(
            contract__region__prefix__in=prefixes,
            contract__valid_from__lte=on,
            contract__valid_to__gte=on,
            service__is_active=True,
        )
        .select_related("service", "contract__provider")
        .order_by("service_id", "contract__provider_id", "-contract__region__prefix")
    )
    offers: dict[tuple[int, int], Offer] = {}
    for row in rows:
        key = (row.contract.provider_id, row.service_id)
        if key not in offers:
            offers[key] = Offer(row.contract.provider_id, row.contract.provider.name, row.service, row.price)
    return list(offers.values())


def _estimate(*, unit: str, service_unit: str, price: Decimal, minutes: int) -> Decimal:
    """What a visit not yet verified will draw: yuan at the contract price, or minutes."""
    if unit == "yuan":
        quantity = Decimal(minutes) / 60 if service_unit == Unit.HOUR else Decimal(1)
        return (price * quantity).quantize(Decimal("0.01"))
    return Decimal(minutes)


def entitlement_remaining(*, elder: Elder, month: date) -> Remaining | None:
    """The month's entitlement, what verified visits drew and what booked visits will draw;
    None when the elder has no entitlement that month."""
    first = month_start(month)
    ent = ServiceEntitlement.objects.filter(elder=elder, month=first).first()
    if ent is None:
        return None
    unit = "yuan" if ent.unit == "yuan" else "hours"
    entitled = Decimal(ent.amount) if unit == "yuan" else Decimal(ent.amount) * 60
    tz = timezone.get_current_timezone()
    lo = datetime.combine(first, time(0), tzinfo=tz)
    hi = datetime.combine(month_end(first) + timedelta(days=1), time(0), tzinfo=tz)
    used = booked = Decimal(0)
    prices: dict[tuple[int, int], Decimal] = {}
    rows = WorkOrder.objects.filter(
        elder=elder, planned_start__gte=lo, planned_start__lt=hi, status__in=(*OPEN, *DRAWN)
    ).values_list("status", "provider_id", "service_id", "service__unit", "amount", "quantity",
                  "planned_minutes", "planned_start")
    for status, provider_id, service_id, service_unit, amount, quantity, minutes, start in rows:
        if status in DRAWN:
            used += amount if unit == "yuan" else minutes_drawn(
                unit=service_unit, quantity=quantity, planned_minutes=minutes
            )
            continue
        price = Decimal(0)
        if unit == "yuan":
            if (provider_id, service_id) not in prices:
                prices[(provider_id, service_id)] = contract_price(
                    provider_id=provider_id, region=elder.region,
                    service=ServiceItem(pk=service_id), on=timezone.localdate(start),
                ) or Decimal(0)
            price = prices[(provider_id, service_id)]
        booked += _estimate(unit=unit, service_unit=service_unit, price=price, minutes=minutes)
    return Remaining(unit=unit, entitled=entitled, used=used, booked=booked)


def slot_start(*, day: date, slot: time) -> datetime:
    return datetime.combine(day, slot, tzinfo=timezone.get_current_timezone())


def overlaps(start: datetime, minutes: int, other_start: datetime, other_minutes: int) -> bool:
    return start < other_start + timedelta(minutes=other_minutes) and other_start < start + timedelta(
        minutes=minutes
    )


def visit_book(
    *, elder: Elder, provider_id: int, service: ServiceItem, day: date, slot: time, actor,
    on_behalf: bool = False,
) -> WorkOrder:
    """Book one visit on request; the provider's dispatcher assigns the caregiver.

    Refused: an elder not receiving services, a slot not offered or already past, a slot the
    elder already has a visit in, no entitlement that month, or not enough left for it."""
    if slot not in SLOTS:
        raise ValidationFailed.for_field("slot", _("Choose one of the time slots offered."))
    start = slot_start(day=day, slot=slot)
    if start <= timezone.now():
        raise ValidationFailed.for_field(
            "day", _("This time has already passed. Choose a later day or time slot.")
        )
    offer = next(
        (o for o in booking_offers(elder=elder, on=day)
         if o.provider_id == provider_id and o.service.pk == service.pk),
        None,
    )
    if offer is None:
        raise ValidationFailed.for_field(
            "offer", _("This service is not offered where the elder lives on that day. Choose another service.")
        )
    minutes = service.default_minutes
    with transaction.atomic():
        elder = Elder.objects.select_for_update().select_related("person", "region").get(pk=elder.pk)
        if elder.status != ElderStatus.ACTIVE:
            raise Conflict(
                _("%(name)s is not receiving home-care services now, so no visit can be booked.")
                % {"name": elder.person.name},
                code="state_changed",
            )
        same_day = WorkOrder.objects.filter(elder=elder, planned_start__date=day).exclude(
            status=OrderStatus.CANCELLED
        ).values_list("planned_start", "planned_minutes")
        if any(overlaps(start, minutes, s, m) for s, m in same_day):
            raise Conflict(
                _("%(name)s already has a visit at this time. Choose another time slot.")
                % {"name": elder.person.name},
                code="conflict",
            )
        remaining = entitlement_remaining(elder=elder, month=day)
        if remaining is None:
            raise ValidationFailed.for_field(
                "day",
                _("%(name)s has no home-care entitlement for %(month)s yet. Ask the community office.")
                % {"name": elder.person.name, "month": f"{day:%Y-%m}"},
            )
        cost = _estimate(unit=remaining.unit, service_unit=service.unit, price=offer.price, minutes=minutes)
        if cost > remaining.left:
            raise ValidationFailed.for_field(
                "offer",
                _("This visit needs more than is left of this month's entitlement. Choose a shorter or cheaper service."),
            )
        order = order_create(
            elder=elder, provider=Organisation.objects.get(pk=offer.provider_id), service=service, planned_start=start,
            planned_minutes=minutes, on_request=True, actor=actor,
        )
        audit_record(
            event_type="elderly_care.visit_book",
            actor=actor,
            target=order,
            new={"planned_start": start.isoformat(), "on_behalf": on_behalf, "draws": str(cost),
                 "unit": remaining.unit},
        )
    return order


def caregiver_visits_on(*, caregiver_ids, days) -> dict[tuple[int, date], list[WorkOrder]]:
    """Each caregiver's visits on each of ``days`` (not cancelled), in one query."""
    found: dict[tuple[int, date], list[WorkOrder]] = {}
    if not caregiver_ids or not days:
        return found
    tz = timezone.get_current_timezone()
    lo = datetime.combine(min(days), time(0), tzinfo=tz)
    hi = datetime.combine(max(days) + timedelta(days=1), time(0), tzinfo=tz)
    rows = (
        WorkOrder.objects.filter(caregiver_id__in=caregiver_ids, planned_start__gte=lo, planned_start__lt=hi)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("elder__person", "service")
        .order_by("planned_start")
    )
    for o in rows:
        found.setdefault((o.caregiver_id, timezone.localdate(o.planned_start)), []).append(o)
    return found


# --- the gates of the booking and dispatch pages ------------------------------------------

BOOKING_OFFICERS = ("community_worker", "civil_affairs_officer")


def elders_bookable_by(*, user):
    """Elders the user may book for: themself and the relatives in their care (family), and
    for a community worker or civil-affairs officer the elders of their area (an elder with no
    phone books through them)."""
    q = scope_q(user=user, roles=BOOKING_OFFICERS, region_field="region") if user.is_staff else None
    family = Elder.objects.filter(person_id__in=people_in_care_ids(user=user))
    if q is not None and q != Q(pk__in=[]):
        family = family | Elder.objects.filter(q)
    return family.filter(status=ElderStatus.ACTIVE).select_related("person", "region")


@scoped_gate(model="elderly_care.elder", id_arg="elder_id", action="book", refuses_with_none=True)
def elder_get_for_booking(*, user, elder_id: int) -> Elder | None:
    return elders_bookable_by(user=user).filter(pk=elder_id).first()


def orders_to_dispatch(*, user):
    """Visits of the user's provider(s) not yet started: unassigned ones, and dispatched ones
    that may be given to another caregiver."""
    today = timezone.localdate()
    return (
        WorkOrder.objects.filter(
            scope_q(user=user, roles=["provider_admin"], region_field="region", organisation_field="provider"),
            status__in=(OrderStatus.PLANNED, OrderStatus.DISPATCHED),
            planned_start__gte=slot_start(day=today, slot=time(0)),
        )
        .select_related("elder__person", "elder__region", "service", "caregiver__user")
        .order_by("planned_start", "id")
    )


@scoped_gate(model="elderly_care.workorder", id_arg="order_id", action="dispatch", refuses_with_none=True)
def order_get_for_dispatch(*, user, order_id: int) -> WorkOrder | None:
    return orders_to_dispatch(user=user).filter(pk=order_id).first()
