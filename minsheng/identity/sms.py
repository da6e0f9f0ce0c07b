"""The SMS channel that carries one-time codes. ``settings.SMS_CHANNEL`` picks it.

"console" prints to stdout and keeps an in-memory outbox (development and
tests); a city plugs its operator's gateway by naming a dotted class path with
a ``send(*, phone, text)`` method.
"""

import sys
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .idnumbers import mask_phone


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str
    sent_at: object


class ConsoleSmsChannel:
    """Development channel: prints the message and keeps it in ``outbox``."""

    outbox: list[SentSms] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append(SentSms(phone=phone, text=text, sent_at=timezone.now()))
        # The number is masked: stdout ends up in log files, which are not encrypted.
        print(f"[sms to {mask_phone(phone)}] {text}", file=sys.stdout, flush=True)


CHANNELS = {"console": "minsheng.identity.sms.ConsoleSmsChannel"}


@lru_cache(maxsize=4)
def _channel(name: str):
    return import_string(CHANNELS.get(name, name))()


def sms_channel():
    return _channel(settings.SMS_CHANNEL)


def sms_send(*, phone: str, text: str) -> None:
    sms_channel().send(phone=phone, text=text)


def sms_outbox() -> list[SentSms]:
    """Messages the console channel has sent in this process (tests read codes here)."""
    return ConsoleSmsChannel.outbox
