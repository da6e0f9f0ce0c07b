"""The case engine: open, act, claim, complete (``.actions``), the SLA check (``.sla``) and the
steps they are made of (``.steps``). Other modules import the actions from here."""

from .actions import case_act, case_allowed_actions, case_open, task_claim, task_complete
from .sla import SlaReport, sla_check
from .steps import clean_text, sla_deadline

__all__ = [
    "SlaReport",
    "case_act",
    "case_allowed_actions",
    "case_open",
    "clean_text",
    "sla_check",
    "sla_deadline",
    "task_claim",
    "task_complete",
]
