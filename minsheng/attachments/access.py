"""Who may see an attachment: the uploader, or whoever the target's app says.

An app registers one rule per model in its AppConfig.ready():

    from minsheng.attachments.access import register_access
    register_access("cases.Case", lambda user, case: case_visible_to(user=user, case=case))

With no rule for the target, only the uploader sees the file (default deny).
"""

from collections.abc import Callable

from django.apps import apps

from minsheng.core.registry import registry

_rules: dict[str, Callable] = {}


def register_access(model, can_view: Callable) -> None:
    """``model``: a model class or "app_label.ModelName"; ``can_view(user, target) -> bool``."""
    label = model if isinstance(model, str) else model._meta.label
    _rules[apps.get_model(label)._meta.label_lower] = can_view


def can_view(user, attachment) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if attachment.owner_id is not None and attachment.owner_id == user.pk:
        return True
    if attachment.target_type_id is None:
        return False
    label = f"{attachment.target_type.app_label}.{attachment.target_type.model}"
    rule = _rules.get(label) or registry.attachment_access().get(label)
    if rule is None:
        return False
    target = attachment.target
    return target is not None and bool(rule(user, target))
