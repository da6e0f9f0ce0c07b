"""Writes of the service-halls program, by concern: taking a number (tickets), calling and
acting at a window (calling), signing on (windows), appointments, setting up a hall
(points, schedule, business_types), the display bus (display) and the 15-minute circle
(coverage, travel, road_networks). Import from the submodule:
``from .services.calling import window_call_next``."""
