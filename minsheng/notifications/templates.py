"""Message templates: Chinese texts with {placeholders}.

A program declares its templates in its ``notices.py`` and passes them to the registry
(``Program(notices=[MessageTemplate(...), ...])``); a core module registers its own:

    register("ratings.bad_rating", title="差评待处理", body="{reference}收到差评。")

Rendering never crashes: a missing placeholder is logged and left as
``{name}`` in the text.
"""

import logging
import string
from dataclasses import dataclass

from minsheng.core.registry import registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessageTemplate:
    code: str
    title: str
    body: str
    channels: tuple[str, ...] = ("inbox", "sms")


_templates: dict[str, MessageTemplate] = {}


def register(
    code: str, *, title: str, body: str, channels: tuple = ("inbox", "sms")
) -> MessageTemplate:
    """Register (or replace, e.g. on autoreload) the template ``code``."""
    tpl = MessageTemplate(code=code, title=title, body=body, channels=tuple(channels))
    _templates[code] = tpl
    return tpl


def get(code: str) -> MessageTemplate:
    try:
        return registered()[code]
    except KeyError:
        raise LookupError(f"notification template {code!r} is not registered") from None


def registered() -> dict[str, MessageTemplate]:
    """The core's own templates and every program's declared ones."""
    return {**{t.code: t for t in registry.declared("notices")}, **_templates}


class _Missing(dict):
    def __init__(self, context, code):
        super().__init__(context)
        self.code = code

    def __missing__(self, key):
        logger.warning("notification template %s: missing placeholder %r", self.code, key)
        return "{" + key + "}"


def render(text: str, context: dict, *, code: str = "") -> str:
    try:
        return string.Formatter().vformat(text, (), _Missing(context, code))
    except (ValueError, IndexError, AttributeError, KeyError) as exc:
        # A malformed template ("{" alone, "{0}", "{a.b}") is shown as written.
        logger.warning("notification template %s cannot be rendered: %s", code, exc)
        return text


register(
    "notifications.test",
    title="测试消息",
    body="{name}您好，这是一条测试消息。",
    channels=("inbox", "sms", "email", "wechat_template"),
)
