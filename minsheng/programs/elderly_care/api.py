"""/api/v1/elderly_care/ — device messages (webhook) and the caregiver's visit actions."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from minsheng.core.errors import NotFound

from . import selectors
from .api_setup import router as setup_router
from .services import devices, entitlements, retrofits, settlement, visits

router = Router(tags=["elderly_care"])
router.add_router("/setup", setup_router)


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
    if not selectors.elders_for_officers(user=request.auth).filter(pk=payload.elder).exists():
        raise NotFound()
    elder = selectors.elder_get_for(user=request.auth, elder_id=payload.elder)
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
    if not selectors.elders_for_officers(user=request.auth).filter(pk=payload.elder).exists():
        raise NotFound()
    elder = selectors.elder_get_for(user=request.auth, elder_id=payload.elder)
    row = entitlements.allowance_grant(elder=elder, kind=payload.kind, month=payload.month,
                                       amount=payload.amount, actor=request.auth)
    return Status(201, {"id": row.pk, "kind": row.kind, "month": row.month, "amount": row.amount})
