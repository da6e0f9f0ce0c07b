"""/api/v1/elderly_care/ — applications for home care (the family's and the officer's
decision), device messages (webhook), the caregiver's visit actions, booking a visit and
dispatching it."""

from datetime import date, datetime, time
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from minsheng.cases.selectors import people_in_care_ids, state_title
from minsheng.core.errors import NotFound, ValidationFailed

from . import selectors
from .api_setup import router as setup_router
from .models import Caregiver, ServiceItem
from .services import applications, booking, devices, entitlements, retrofits, settlement, visits
from .services.orders import order_dispatch

router = Router(tags=["elderly_care"])
router.add_router("/setup", setup_router)


class CareApplicationIn(Schema):
    elder: int | None = None  # the person applied for (yourself or someone in your care); you when left out
    categories: list[str]  # ElderCategory codes, e.g. ["advanced_age"]
    living_arrangement: str  # LivingArrangement code, e.g. "alone"
    reason: str = ""
    community: str = ""  # the street's or community's division code, when the elder's residence is not recorded
    address: str = ""


class CareApplicationOut(Schema):
    id: int
    reference: str  # the case's number, as the SMS gives it
    elder: str
    state: str  # the case's state, in the reader's language
    decided: bool
    submitted_at: datetime
    on_behalf: bool


class CareDecisionIn(Schema):
    approve: bool
    note: str = ""  # the reason, required when rejecting; the applicant reads it


def _care_application(app) -> dict:
    case = app.case
    return {"id": app.pk, "reference": case.reference if case else "", "elder": app.person.name,
            "state": state_title(case) if case else "", "decided": bool(case and case.closed_at),
            "submitted_at": app.created_at, "on_behalf": app.on_behalf}


@router.get("/applications", response=list[CareApplicationOut])
def care_applications_mine(request):
    """Your applications for home care: for yourself, the people in your care, and those you
    submitted; newest first."""
    return [_care_application(a) for a in selectors.applications_of(user=request.auth)[:100]]


@router.post("/applications", response={201: CareApplicationOut})
def care_application_submit(request, payload: CareApplicationIn):
    """Apply for home care for yourself or someone in your care (404 for anyone else); one
    open application a person (409). The community office reviews it; you are told the result."""
    me = getattr(request.auth, "person", None)
    if me is None:
        raise NotFound()
    person = selectors.person_to_apply_for(user=request.auth, person_id=payload.elder or me.pk)
    if person is None:
        raise NotFound()
    app = applications.application_submit(
        person=person, submitted_by=request.auth, categories=payload.categories,
        living_arrangement=payload.living_arrangement, reason=payload.reason,
        region_code=payload.community, address=payload.address)
    return Status(201, _care_application(app))


@router.post("/applications/{application_id}/decide", response=CareApplicationOut)
def care_application_decide(request, application_id: int, payload: CareDecisionIn):
    """Approve or reject an application of your area (civil-affairs review); 404 outside it,
    403 for a role that does not review, 409 once decided."""
    app = selectors.applications_for(user=request.auth).filter(pk=application_id).first()
    if app is None:
        raise NotFound()
    app = applications.application_decide(application=app, actor=request.auth, approve=payload.approve,
                                          note=payload.note)
    return _care_application(app)


class DeviceResult(Schema):
    status: str
    alarm: int | None = None
    new: bool | None = None


@router.post("/devices/messages", auth=None, response=DeviceResult)
def device_message(request: HttpRequest):
    """A device (or its vendor's cloud) posts one JSON message.

    Headers: ``X-Device-Id`` (serial/IMEI) and ``X-Signature`` (hex HMAC-SHA256
    of the raw body with the device's, or its vendor's, secret). Body:
    ``{"message_id", "type": "heartbeat"|"alarm"|"clear", "time": ISO 8601, "detail"}``.
    Unknown device → 404, bad signature → 401; repeats answer ``duplicate``.
    """
    return devices.device_message_receive(
        imei=request.headers.get("X-Device-Id", ""),
        body=request.body,
        signature=request.headers.get("X-Signature", ""),
        via="http",
    )


class Position(Schema):
    lat: float
    lon: float


class OrderOut(Schema):
    id: int
    status: str
    checked_in_at: str | None
    checked_out_at: str | None
    check_in_distance_m: float | None
    minutes_served: int | None


def _out(order) -> dict:
    return {
        "id": order.pk,
        "status": order.status,
        "checked_in_at": order.checked_in_at.isoformat() if order.checked_in_at else None,
        "checked_out_at": order.checked_out_at.isoformat() if order.checked_out_at else None,
        "check_in_distance_m": order.check_in_distance_m,
        "minutes_served": order.minutes_served,
    }


@router.post("/orders/{order_id}/check-in", response=OrderOut)
def check_in(request, order_id: int, payload: Position):
    """Check in at the elder's home (the caregiver's own order; another's is 404)."""
    order = visits.visit_check_in(
        order_id=order_id, user=request.auth, lat=payload.lat, lon=payload.lon
    )
    return _out(order)


@router.post("/orders/{order_id}/check-out", response=OrderOut)
def check_out(request, order_id: int, payload: Position):
    """Check out of the visit; the elder's confirmation comes next."""
    order = visits.visit_check_out(
        order_id=order_id, user=request.auth, lat=payload.lat, lon=payload.lon
    )
    return _out(order)


class SettlementRunIn(Schema):
    month: date  # any day of the month, e.g. 2026-03-01


class SettlementRunOut(Schema):
    statements: list[int]
    skipped: list[int]


@router.post("/settlement/runs", response=SettlementRunOut)
def settlement_run(request, payload: SettlementRunIn):
    """Settle a month for the providers in your region (civil-affairs officers): draft statements
    are (re)computed, confirmed ones kept (their providers under ``skipped``)."""
    return settlement.settlement_run_for(user=request.auth, month=payload.month)


class RetrofitOpenIn(Schema):
    elder: int
    assessment: str


class RetrofitOut(Schema):
    id: int
    household: str
    status: str


@router.post("/retrofits", response={201: RetrofitOut})
def retrofit_open(request, payload: RetrofitOpenIn):
    """Open the household's retrofit file for an elder of your area (civil affairs, community
    workers); a household has one file (409 ``duplicate``)."""
    elder = selectors.elder_get_for_officer(user=request.auth, elder_id=payload.elder)
    if elder is None:
        raise NotFound()
    file = retrofits.retrofit_open(elder=elder, assessment=payload.assessment, actor=request.auth)
    return Status(201, {"id": file.pk, "household": file.household, "status": file.status})


class AllowanceIn(Schema):
    elder: int
    kind: str  # "longevity" | "care"
    month: date  # any day of the month
    amount: Decimal


class AllowanceOut(Schema):
    id: int
    kind: str
    month: date
    amount: Decimal


@router.post("/allowances", response={201: AllowanceOut})
def allowance_grant(request, payload: AllowanceIn):
    """Grant an elder of your area a month's cash allowance (civil-affairs officers); one of a
    kind a month (409)."""
    from minsheng.access.selectors import user_has_role

    if not (request.auth.is_superuser or user_has_role(user=request.auth, roles=["civil_affairs_officer"])):
        raise NotFound()
    elder = selectors.elder_get_for_officer(user=request.auth, elder_id=payload.elder)
    if elder is None:
        raise NotFound()
    row = entitlements.allowance_grant(elder=elder, kind=payload.kind, month=payload.month,
                                       amount=payload.amount, actor=request.auth)
    return Status(201, {"id": row.pk, "kind": row.kind, "month": row.month, "amount": row.amount})


class VisitBookIn(Schema):
    elder: int
    provider: int
    service: str  # the catalogue code, e.g. "cleaning"
    day: date
    slot: str  # "HH:MM", on the hour from 08:00 to 17:00


class BookedOut(Schema):
    id: int
    status: str
    planned_start: str
    caregiver: int | None


def _booked(order) -> dict:
    return {"id": order.pk, "status": order.status, "planned_start": order.planned_start.isoformat(),
            "caregiver": order.caregiver_id}


@router.post("/visits", response={201: BookedOut})
def visit_book(request, payload: VisitBookIn):
    """Book a visit from the elder's month entitlement (the family, the elder, or a community or
    civil-affairs officer of the elder's area); 404 for an elder you may not book for."""
    elder = booking.elder_get_for_booking(user=request.auth, elder_id=payload.elder)
    if elder is None:
        raise NotFound()
    service = ServiceItem.objects.filter(code=payload.service, is_active=True).first()
    if service is None:
        raise ValidationFailed.for_field("service", _("Choose a service from the catalogue."))
    try:
        slot = time.fromisoformat(payload.slot)
    except ValueError:
        raise ValidationFailed.for_field("slot", _("Choose one of the time slots offered.")) from None
    order = booking.visit_book(
        elder=elder, provider_id=payload.provider, service=service, day=payload.day, slot=slot,
        actor=request.auth, on_behalf=elder.person_id not in people_in_care_ids(user=request.auth),
    )
    return Status(201, _booked(order))


class DispatchIn(Schema):
    caregiver: int


@router.post("/orders/{order_id}/dispatch", response=BookedOut)
def dispatch(request, order_id: int, payload: DispatchIn):
    """Give a visit of your provider not yet started to one of its caregivers (provider
    administrators); another provider's visit is 404."""
    order = booking.order_get_for_dispatch(user=request.auth, order_id=order_id)
    if order is None:
        raise NotFound()
    caregiver = Caregiver.objects.filter(pk=payload.caregiver, provider_id=order.provider_id).first()
    if caregiver is None:
        raise ValidationFailed.for_field("caregiver", _("Choose an active caregiver who works for this provider."))
    return _booked(order_dispatch(order=order, caregiver=caregiver, actor=request.auth))
