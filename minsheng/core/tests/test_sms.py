"""The one SMS interface against a fake provider: an HTTP server on 127.0.0.1 speaking the
adapter's contract, which can be told to refuse or to fail."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from minsheng.core import sms


class FakeProvider:
    """Records every request; answers each with the next scripted (status, body), then 200 OK."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
                )
                status, answer = provider.script.pop(0) if provider.script else (200, {"code": "OK"})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    fake = FakeProvider()
    settings.SMS_CHANNEL = "http"
    settings.SMS_API_URL = fake.url
    settings.SMS_API_KEY = "test-key-1"
    settings.SMS_SIGNATURE = "连云港民生"
    settings.SMS_TEMPLATE_IDS = {"otp_signin": "SMS_100", "tests.reminder": "SMS_200"}
    settings.SMS_TIMEOUT_SECONDS = 2
    yield fake
    fake.close()


def test_http_gateway_posts_template_id_params_signature_and_key(provider):
    sms.sms_send(
        phone="13800138000", template="otp_signin", params={"code": "123456", "minutes": 5},
        text="【连云港民生】您的验证码是123456",
    )
    assert provider.requests == [
        {
            "path": "/sms/send",
            "auth": "Bearer test-key-1",
            "body": {
                "phone": "13800138000",
                "sign_name": "连云港民生",
                "template_id": "SMS_100",
                "params": {"code": "123456", "minutes": 5},
                "text": "【连云港民生】您的验证码是123456",
            },
        }
    ]


@pytest.mark.parametrize(
    "answer, reason",
    [
        ((200, {"code": "isv.BUSINESS_LIMIT_CONTROL", "message": "too many"}), "isv.BUSINESS_LIMIT_CONTROL"),
        ((500, {"error": "down"}), "HTTP 500"),
        ((401, {"error": "bad key"}), "HTTP 401"),
    ],
)
def test_http_gateway_raises_sms_failed_on_a_refusal_or_an_error(provider, answer, reason):
    provider.script.append(answer)
    with pytest.raises(sms.SmsFailed, match=reason):
        sms.sms_send(phone="13800138000", template="otp_signin", params={}, text="x")


def test_http_gateway_raises_sms_failed_when_the_provider_is_unreachable(settings):
    fake = FakeProvider()
    fake.close()  # nothing listens on that port any more
    settings.SMS_CHANNEL = "http"
    settings.SMS_API_URL = fake.url
    settings.SMS_TIMEOUT_SECONDS = 1
    with pytest.raises(sms.SmsFailed):
        sms.sms_send(phone="13800138000", template="otp_signin", params={}, text="x")


def test_console_gateway_is_the_default_and_keeps_an_outbox(settings):
    settings.SMS_CHANNEL = "console"
    sms.outbox.clear()
    sms.sms_send(phone="13900139000", template="otp_reset", params={"code": "1"}, text="t")
    assert [(m.phone, m.template, m.text) for m in sms.outbox] == [("13900139000", "otp_reset", "t")]
    sms.outbox.clear()


@pytest.mark.parametrize(("text", "code"), [
    ("【民生】您正在使用工作人员登录链接，验证码为461032，5分钟内有效。", "461032"),  # no word boundary
    ("【民生】您的登录验证码是 878215，5 分钟内有效。", "878215"),
    ("Your sign-in code is 040506. It is valid for 5 minutes.", "040506"),
    ("统一社会信用代码91320706MAYGH5X34W", None),  # six digits inside a longer number are not a code
])
def test_the_outbox_reads_the_code_a_person_reads(text, code):
    from django.utils import timezone

    assert sms.SentSms(phone="13900139000", text=text, template="t", params={}, sent_at=timezone.now()).code == code


@pytest.mark.django_db
def test_sign_in_code_goes_through_the_provider_and_a_failure_lets_the_person_ask_again(provider):
    from django.core.cache import cache

    from minsheng.core.errors import Unavailable
    from minsheng.identity.services import citizen_sign_in_otp, otp_request

    cache.clear()
    provider.script.append((503, {"error": "busy"}))
    with pytest.raises(Unavailable) as refused:
        otp_request(phone="13800138001")
    assert refused.value.status == 503 and "phone" in refused.value.fields
    # the code that never arrived does not hold back the next request
    otp_request(phone="13800138001")
    sent = provider.requests[-1]["body"]
    assert sent["template_id"] == "SMS_100" and sent["phone"] == "13800138001"
    user, created = citizen_sign_in_otp(phone="13800138001", code=sent["params"]["code"], name="张三")
    assert created and user.phone == "13800138001"
    cache.clear()


@pytest.mark.django_db
def test_a_notice_the_provider_refuses_is_retried_shown_to_staff_and_sent_again(
    provider, client, django_capture_on_commit_callbacks
):
    import time_machine

    from minsheng.identity.models import User
    from minsheng.notifications.models import Delivery, DeliveryState
    from minsheng.notifications.services import (
        MAX_ATTEMPTS,
        notification_retry_due,
        notification_send,
    )

    citizen = User.objects.create_user("li", name="李四", phone="13800138002")
    provider.script.extend([(500, {"error": "down"})] * MAX_ATTEMPTS)
    with time_machine.travel("2026-10-09 09:00 +0800", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(
                recipient=citizen, template="notifications.test", context={"name": "李四"},
                dedupe_key="sms-provider", channels=["sms"],
            )
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and "HTTP 500" in delivery.last_error
    while delivery.state == DeliveryState.PENDING:  # each retry when its backoff is over
        with time_machine.travel(delivery.next_attempt_at, tick=False):
            assert notification_retry_due() == 1
        delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert len(provider.requests) == MAX_ATTEMPTS

    admin = User.objects.create_superuser("ops", "Ops-pass-2026", name="运维")
    client.force_login(admin)
    page = client.get("/admin/notifications/delivery/", {"state__exact": "failed"})
    assert page.status_code == 200
    assert "HTTP 500" in page.content.decode() and "13800138002" not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/notifications/delivery/",
            {"action": "retry_now", "_selected_action": [delivery.pk]},
        )
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.sent_at is not None
    body = provider.requests[-1]["body"]
    assert body["phone"] == "13800138002" and body["text"].startswith("【连云港民生】")
