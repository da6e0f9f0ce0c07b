"""The one SMS interface: sign-in codes (identity) and notices (notifications) both send here.

``settings.SMS_CHANNEL`` picks the gateway:

- ``console`` (default) prints the message and keeps it in ``outbox`` — a
  plain checkout sends nothing off the machine;
- ``http`` posts to the provider's API (``SMS_API_URL``, ``SMS_API_KEY``) with
  the approved template id of the message (``SMS_TEMPLATE_IDS``), its
  parameters, the sign name (``SMS_SIGNATURE``) and the full text;
- a dotted path names another class with the same ``send``.

A gateway raises ``SmsFailed`` when the message did not go; the caller decides
what follows (a sign-in code: the person is asked to try again; a notice: the
delivery is retried with backoff and shown to staff when it gives up).
"""

import json
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .masking import mask_phone


class SmsFailed(Exception):
    """The provider did not accept the message (unreachable, refused, error code)."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    template: str  # the platform's message code: "otp_signin", a notification template …
    params: dict = field(default_factory=dict)
    text: str = ""  # the whole text as the person reads it, for gateways that send free text


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str
    template: str
    params: dict
    sent_at: datetime

    @property
    def code(self) -> str | None:
        """The six-digit code the text carries, as the person reads it, or None. No word
        boundary marks it in Chinese (验证码为461032，): the digits are found by their ends."""
        found = re.search(r"(?<!\d)(\d{6})(?!\d)", self.text)
        return found.group(1) if found else None


# What the console gateway "sent" in this process, newest last (tests and the demo read it).
outbox: list[SentSms] = []


class ConsoleSmsGateway:
    def send(self, message: SmsMessage) -> None:
        outbox.append(
            SentSms(
                phone=message.phone,
                text=message.text,
                template=message.template,
                params=message.params,
                sent_at=timezone.now(),
            )
        )
        # The number is masked: stdout ends up in log files, which are not encrypted.
        print(f"[sms to {mask_phone(message.phone)}] {message.text}", file=sys.stdout, flush=True)  # noqa: T201


class HttpSmsGateway:
    """A provider's HTTP API, or the city's SMS platform in front of the operators.

    POST ``SMS_API_URL`` with ``Authorization: Bearer <SMS_API_KEY>`` and the JSON
    ``{"phone", "sign_name", "template_id", "params", "text"}``. Any 2xx answer whose
    JSON ``code`` is absent, ``0`` or ``"OK"`` means accepted; anything else fails.
    A provider with another request shape gets a subclass overriding ``request_body``.
    """

    def __init__(self) -> None:
        if not settings.SMS_API_URL:
            raise SmsFailed("SMS_CHANNEL=http needs SMS_API_URL")
        self.url = settings.SMS_API_URL
        self.key = settings.SMS_API_KEY
        self.timeout = settings.SMS_TIMEOUT_SECONDS

    def request_body(self, message: SmsMessage) -> dict:
        return {
            "phone": message.phone,
            "sign_name": settings.SMS_SIGNATURE,
            "template_id": settings.SMS_TEMPLATE_IDS.get(message.template, ""),
            "params": message.params,
            "text": message.text,
        }

    def send(self, message: SmsMessage) -> None:
        data = json.dumps(self.request_body(message), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - operator's URL
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise SmsFailed(f"HTTP {exc.code}: {exc.read()[:200].decode(errors='replace')}") from exc
        except OSError as exc:  # refused, unreachable, timed out
            raise SmsFailed(str(exc)) from exc
        try:
            answer = json.loads(body or b"{}")
        except ValueError as exc:
            raise SmsFailed(f"unreadable answer: {body[:200]!r}") from exc
        code = answer.get("code", 0) if isinstance(answer, dict) else 0
        if code not in (0, "0", "OK", "ok"):
            raise SmsFailed(f"provider refused: {code} {answer.get('message', '')}".strip())


GATEWAYS = {
    "console": "minsheng.core.sms.ConsoleSmsGateway",
    "http": "minsheng.core.sms.HttpSmsGateway",
}


@lru_cache(maxsize=4)
def _gateway_class(name: str):
    return import_string(GATEWAYS.get(name, name))


def sms_send(*, phone: str, template: str, params: dict | None = None, text: str = "") -> None:
    """Send one SMS through the configured gateway; raises SmsFailed when it did not go."""
    message = SmsMessage(
        phone=phone,
        template=template,
        params=dict(params or {}),
        text=text,
    )
    _gateway_class(settings.SMS_CHANNEL)().send(message)
