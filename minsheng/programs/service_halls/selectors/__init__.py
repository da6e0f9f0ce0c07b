"""Reads of the service-halls program, by concern (halls, queue, stats, coverage, manage).
Import from the submodule: ``from .selectors.queue import queue_status``."""
