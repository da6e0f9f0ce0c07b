"""Writes of the elderly-care program, by topic (registry, visits, anomalies, follow-up,
settlement, safety). Import from the submodule: ``from .services.visits import visit_check_in``."""
