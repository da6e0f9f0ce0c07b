"""Writes of the elderly-care program, one module per concern (elders, assessment,
entitlements, applications, orders, visits, confirmation, anomalies, follow-up, settlement,
meals, retrofits, alarms, devices; periods and verification hold the shared date helpers
and pure rules). Import from the submodule: ``from .services.visits import visit_check_in``."""
