"""医保便民服务站 — service halls: points, windows, queue tickets, appointments,
and the 15-minute service circle (coverage over communities), one module per concern."""

from .appointments import Appointment, AppointmentSlot, AppointmentState
from .coverage import (
    CommunityCoverage,
    CoverageRun,
    CoverageSettings,
    Method,
    Mode,
    RoadEdge,
    RoadNetwork,
    RoadNode,
)
from .halls import (
    BusinessType,
    Closure,
    OpeningHours,
    PointLevel,
    ServicePoint,
    Window,
    Zone,
    ZoneKind,
)
from .maps import MapTileLayer
from .queue import (
    AT_WINDOW,
    DISPLAY_KINDS,
    TRANSITIONS,
    WINDOW_ACTIONS,
    Channel,
    EventKind,
    PriorityFlags,
    PriorityReason,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketState,
    Transition,
    _follow_token,
    actions_allowed,
)

__all__ = [
    "AT_WINDOW", "DISPLAY_KINDS", "TRANSITIONS", "WINDOW_ACTIONS", "Appointment", "AppointmentSlot", "AppointmentState",
    "BusinessType", "Channel", "Closure", "CommunityCoverage", "CoverageRun", "CoverageSettings",
    "EventKind", "MapTileLayer", "Method", "Mode", "OpeningHours", "PointLevel", "PriorityFlags", "PriorityReason",
    "RoadEdge", "RoadNetwork", "RoadNode", "ServicePoint", "Ticket", "TicketCounter", "TicketEvent",
    "TicketState", "Transition", "Window", "Zone", "ZoneKind", "_follow_token", "actions_allowed",
]
