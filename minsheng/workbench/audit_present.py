"""The audit trail in words: field names as their models label them, choice codes as their
labels, lists and records as short text (never a Python dict on the page)."""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minsheng.access.refusals import ACTION_WORDS, REASON_WORDS
from minsheng.audit.labels import event_label

# Keys services write that are no field of the record (or name one of its fields differently).
KEY_LABELS = {
    "action": _("action"),
    "reason": _("reason"),
    "count": _("how many"),
    "process": _("service"),
    "result": _("result"),
    "version": _("version"),
    "target": _("record"),
    "service": _("service"),
    "case": _("case"),
    "month": _("month"),
    "gained": _("gained"),
    "lost": _("lost"),
    "changed": _("changed"),
    "state": _("state"),
    "status": _("status"),
    "comment": _("comment"),
    "seed": _("seed"),
    "seed_hash": _("seed hash"),
    "candidates_hash": _("candidate list hash"),
}

# Codes services write as values, in words: what a refused person tried and why (declared with
# the access gates).
VALUE_LABELS = {**ACTION_WORDS, **REASON_WORDS}
_CODE = re.compile(r"^[a-z][a-z0-9_.-]*$")


@dataclass
class Change:
    label: str
    old: str
    new: str
    changed: bool

    @property
    def old_is_code(self) -> bool:
        """A machine value (a code no label names): the page shows it as code, not as words."""
        return bool(_CODE.match(self.old))

    @property
    def new_is_code(self) -> bool:
        return bool(_CODE.match(self.new))


@lru_cache(maxsize=256)
def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, key: str):
    if model is None:
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _text(value: Any, field=None) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict):
        return "; ".join(f"{_label(None, k)}: {_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_text(v) for v in value) or "—"
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)


def _label(model, key: str) -> str:
    field = _field(model, key)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    return key.replace("_", " ").strip()


def target_title(target_type: str) -> str:
    model = _model(target_type) if target_type else None
    return str(model._meta.verbose_name) if model is not None else target_type


# Event-type prefixes that are no app's label: the app whose events they are, or words.
MODULE_OF = {"exports": "imports", "backup": "audit"}
MODULE_LABELS = {"admin": _("back office")}


def event_title(event_type: str) -> tuple[str, str]:
    """(the module's name, the event in words) of "cases.task_complete": never the code."""
    app_label, _sep, _action = event_type.partition(".")
    app_label = MODULE_OF.get(app_label, app_label)
    if app_label in MODULE_LABELS:
        module = str(MODULE_LABELS[app_label])
    else:
        try:
            module = str(apps.get_app_config(app_label).verbose_name)
        except LookupError:
            module = gettext("other")
    return module, event_label(event_type) or gettext("other action")


def changes(event) -> list[Change]:
    model = _model(event.target_type) if event.target_type else None
    old = event.old_values if isinstance(event.old_values, dict) else {}
    new = event.new_values if isinstance(event.new_values, dict) else {}
    rows = []
    for key in dict.fromkeys([*old, *new]):
        field = _field(model, key)
        before = _text(old.get(key), field) if key in old else ""
        after = _text(new.get(key), field) if key in new else ""
        rows.append(Change(label=_label(model, key), old=before, new=after, changed=key in old and before != after))
    if not rows and event.new_values not in (None, "", {}):
        rows.append(Change(label="", old="", new=_text(event.new_values), changed=False))
    return rows
