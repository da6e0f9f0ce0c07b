"""Pluggable delivery channels.

``settings.NOTIFICATION_CHANNELS`` maps a channel code to a dotted class path;
the defaults below print instead of sending, so a plain checkout sends
nothing outside the machine. A production city points ``sms`` and
``wechat_template`` at real gateways by setting, no code change.

A channel's ``send`` raises ChannelFailed when the message did not go; the
delivery is then retried with backoff (services.notification_retry_due).
"""

import abc
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from minsheng.identity.idnumbers import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = {
    "inbox": "minsheng.notifications.channels.InboxChannel",
    "sms": "minsheng.notifications.channels.ConsoleSmsChannel",
    "email": "minsheng.notifications.channels.EmailChannel",
    "wechat_template": "minsheng.notifications.channels.ConsoleWechatChannel",
}

# What the console channels "sent", newest last: tests and the demo read it.
outbox: list[dict] = []


class ChannelFailed(Exception):
    """The message did not go out this time; try again later."""


class Channel(abc.ABC):
    code = ""
    needs_account = False  # True: a person without an account cannot be reached this way

    def address_for(self, notification) -> str:
        return ""

    @abc.abstractmethod
    def send(self, notification, address: str) -> None:
        """Each concrete class implements this."""


class InboxChannel(Channel):
    """The notification row itself is the inbox entry; nothing to send."""

    code = "inbox"

    def send(self, notification, address: str) -> None:
        return None


def _phone(notification) -> str:
    user, person = notification.recipient, notification.person
    return (getattr(user, "phone", "") or "") or (getattr(person, "phone", "") or "")


class ConsoleSmsChannel(Channel):
    """Prints the SMS (development); keeps it in ``outbox``."""

    code = "sms"

    def address_for(self, notification) -> str:
        return _phone(notification)

    def send(self, notification, address: str) -> None:
        text = f"【{getattr(settings, 'NOTIFICATION_SMS_SIGNATURE', '民生')}】{notification.body}"
        outbox.append({"channel": self.code, "to": address, "text": text})
        # masked: stdout ends up in log files, which are not encrypted
        print(f"[sms to {mask_phone(address)}] {text}")  # noqa: T201 - the console channel's whole job


class EmailChannel(Channel):
    """Through Django's email backend (EMAIL_* settings)."""

    code = "email"
    needs_account = True

    def address_for(self, notification) -> str:
        return getattr(notification.recipient, "email", "") or ""

    def send(self, notification, address: str) -> None:
        try:
            send_mail(notification.title, notification.body, None, [address])
        except OSError as exc:  # SMTP down, refused, timed out
            raise ChannelFailed(str(exc)) from exc


class _WechatBase(Channel):
    code = "wechat_template"
    needs_account = True

    def address_for(self, notification) -> str:
        if notification.recipient_id is None:
            return ""
        from .models import ChannelAddress

        row = ChannelAddress.objects.filter(
            user_id=notification.recipient_id, channel=self.code
        ).first()
        return row.address if row else ""

    def payload(self, notification, address: str) -> dict:
        conf = getattr(settings, "NOTIFICATION_WECHAT", {})
        template_ids = conf.get("template_ids", {})
        return {
            "touser": address,
            "template_id": template_ids.get(notification.template, conf.get("default_template_id", "")),
            "data": {
                "first": {"value": notification.title},
                "remark": {"value": notification.body},
                **{k: {"value": str(v)} for k, v in (notification.context or {}).items()},
            },
        }


class ConsoleWechatChannel(_WechatBase):
    def send(self, notification, address: str) -> None:
        message = self.payload(notification, address)
        outbox.append({"channel": self.code, "to": address, "payload": message})
        print(f"[wechat to {address}] {notification.title}")  # noqa: T201


class WechatTemplateChannel(_WechatBase):
    """WeChat official-account template message (模板消息) over HTTPS.

    settings.NOTIFICATION_WECHAT = {"endpoint": "https://api.weixin.qq.com/cgi-bin/message/template/send",
    "access_token": "...", "template_ids": {"<template code>": "<wechat template id>"}, "timeout": 5}.
    The endpoint is configurable so a city can route through its own gateway.
    """

    def send(self, notification, address: str) -> None:
        conf = getattr(settings, "NOTIFICATION_WECHAT", {})
        url = conf.get("endpoint", "https://api.weixin.qq.com/cgi-bin/message/template/send")
        if conf.get("access_token"):
            url = f"{url}?access_token={conf['access_token']}"
        data = json.dumps(self.payload(notification, address), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the endpoint is configured by the operator
            url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=conf.get("timeout", 5)) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except (OSError, ValueError) as exc:
            raise ChannelFailed(str(exc)) from exc
        if answer.get("errcode", 0) != 0:
            raise ChannelFailed(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")



def get_channel(code: str) -> Channel:
    paths = {**DEFAULT_CHANNELS, **getattr(settings, "NOTIFICATION_CHANNELS", {})}
    if code not in paths:
        raise LookupError(f"notification channel {code!r} is not configured")
    return import_string(paths[code])()


def channel_codes() -> list[str]:
    return list({**DEFAULT_CHANNELS, **getattr(settings, "NOTIFICATION_CHANNELS", {})})
