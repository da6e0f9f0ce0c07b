"""Writes of the after-school program, one function per action, by concern: ``offerings``
(offerings and windows), ``applications`` (submit, withdraw, offers, the waiting list),
``lottery``, ``running`` (sessions, attendance, pick-up), ``satisfaction`` (parents' ratings),
``imports`` (school rosters). Import from the submodule."""
