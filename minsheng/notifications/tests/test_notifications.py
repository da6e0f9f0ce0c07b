import pytest
import time_machine
from django.db import transaction

from minsheng.core import sms
from minsheng.identity.models import Person, User
from minsheng.notifications import channels, templates
from minsheng.notifications.models import Delivery, DeliveryState, Notification
from minsheng.notifications.services import notification_retry_due, notification_send

templates.register(
    "tests.reminder", title="办理提醒", body="{name}您好，您的{case}将于{due}到期。", channels=("inbox", "sms")
)


class FlakySms(channels.SmsChannel):
    """Fails while ``failures`` is positive, then sends."""

    failures = 0

    def send(self, notification, address):
        if FlakySms.failures > 0:
            FlakySms.failures -= 1
            raise channels.ChannelFailed("gateway timeout")
        super().send(notification, address)


@pytest.fixture
def citizen(db):
    return User.objects.create_user("zhang", name="张三", phone="13800138000", email="z@example.cn")


@pytest.fixture(autouse=True)
def _empty_outbox():
    channels.outbox.clear()
    sms.outbox.clear()
    yield
    channels.outbox.clear()
    sms.outbox.clear()


def test_template_renders_and_a_missing_placeholder_is_left_in_place():
    assert templates.render("{name}您好", {"name": "李四"}) == "李四您好"
    assert templates.render("{name}您好，{case}", {"name": "李四"}) == "李四您好，{case}"
    assert templates.render("坏模板 { 未闭合", {}) == "坏模板 { 未闭合"


@pytest.mark.django_db
def test_send_creates_inbox_row_and_sends_sms_after_commit(citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = notification_send(
            recipient=citizen,
            template="tests.reminder",
            context={"name": "张三", "case": "开办申请", "due": "10月12日"},
            dedupe_key="case-1-due",
        )
        assert sms.outbox == []  # nothing leaves before the caller commits
    assert n.title == "办理提醒" and "开办申请将于10月12日到期" in n.body
    assert Notification.objects.get().recipient == citizen
    assert [(m.phone, m.template, m.text) for m in sms.outbox] == [
        ("13800138000", "tests.reminder", "【民生】" + n.body)
    ]
    d = Delivery.objects.get()
    assert d.state == DeliveryState.SENT and d.attempts == 1 and d.sent_at


@pytest.mark.django_db
def test_same_dedupe_key_returns_the_first_notification_and_sends_once(citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = notification_send(recipient=citizen, template="tests.reminder", context={}, dedupe_key="k")
        b = notification_send(recipient=citizen, template="tests.reminder", context={"name": "x"}, dedupe_key="k")
    assert a.pk == b.pk
    assert Notification.objects.count() == 1 and len(sms.outbox) == 1


@pytest.mark.django_db
def test_a_failing_channel_does_not_roll_back_and_is_retried_with_backoff(
    citizen, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CHANNELS = {"sms": "minsheng.notifications.tests.test_notifications.FlakySms"}
    FlakySms.failures = 2
    with time_machine.travel("2026-10-09 09:00 +0800", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                citizen.name = "张三丰"
                citizen.save(update_fields=["name"])  # the caller's own change
                notification_send(recipient=citizen, template="tests.reminder", context={}, dedupe_key="r")
        citizen.refresh_from_db()
        assert citizen.name == "张三丰"  # kept despite the failed SMS
        d = Delivery.objects.get()
        assert d.state == DeliveryState.PENDING and d.attempts == 1 and "gateway timeout" in d.last_error
        assert notification_retry_due() == 0  # not due yet: backoff of 1 minute
    with time_machine.travel("2026-10-09 09:01:30 +0800", tick=False):
        assert notification_retry_due() == 1  # second attempt fails, waits 2 minutes
        d.refresh_from_db()
        assert d.state == DeliveryState.PENDING and d.attempts == 2
    with time_machine.travel("2026-10-09 09:04 +0800", tick=False):
        assert notification_retry_due() == 1
    d.refresh_from_db()
    assert d.state == DeliveryState.SENT and d.attempts == 3
    assert len(sms.outbox) == 1


@pytest.mark.django_db
def test_delivery_gives_up_after_the_maximum_attempts(citizen, settings, django_capture_on_commit_callbacks):
    from minsheng.notifications import services

    settings.NOTIFICATION_CHANNELS = {"sms": "minsheng.notifications.tests.test_notifications.FlakySms"}
    FlakySms.failures = 100
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=citizen, template="tests.reminder", context={}, dedupe_key="g")
    with time_machine.travel("2030-01-01 00:00 +0800"):
        for _ in range(services.MAX_ATTEMPTS):
            notification_retry_due(now=None)
            Delivery.objects.update(next_attempt_at="2029-12-31T00:00:00+08:00")
    d = Delivery.objects.get()
    assert d.state == DeliveryState.FAILED and d.attempts == services.MAX_ATTEMPTS
    assert notification_retry_due() == 0
    FlakySms.failures = 0


@pytest.mark.django_db
def test_person_without_account_gets_inbox_row_and_sms_but_no_email(django_capture_on_commit_callbacks):
    elder = Person.objects.create(name="王奶奶", phone="13900139000")
    with django_capture_on_commit_callbacks(execute=True):
        n = notification_send(
            recipient=elder, template="notifications.test", context={"name": "王奶奶"}, dedupe_key="e",
        )
    assert n.person == elder and n.recipient is None
    states = dict(Delivery.objects.values_list("channel", "state"))
    assert states == {"sms": "sent", "email": "skipped", "wechat_template": "skipped"}
    # once the elder registers, the message is in their inbox
    user = User.objects.create_user("wang", name="王奶奶")
    elder.user = user
    elder.save(update_fields=["user"])
    from minsheng.notifications.selectors import notifications_for

    assert list(notifications_for(user=user)) == [n]


@pytest.mark.django_db
def test_email_and_wechat_channels(citizen, mailoutbox, django_capture_on_commit_callbacks):
    from minsheng.notifications.models import ChannelAddress

    ChannelAddress.objects.create(user=citizen, channel="wechat_template", address="openid-123")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipient=citizen, template="notifications.test", context={"name": "张三"},
            dedupe_key="all", channels=["email", "wechat_template"],
        )
    assert mailoutbox[0].to == ["z@example.cn"] and mailoutbox[0].subject == "测试消息"
    assert channels.outbox[0]["to"] == "openid-123"
    assert channels.outbox[0]["payload"]["data"]["first"]["value"] == "测试消息"


def test_wechat_http_channel_posts_to_the_configured_endpoint(settings):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = json.dumps({"errcode": 40003 if len(received) > 1 else 0}).encode()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.NOTIFICATION_WECHAT = {"endpoint": f"http://127.0.0.1:{server.server_port}/send"}
    n = Notification(template="x", title="标题", body="正文", context={"k": "v"})
    channel = channels.WechatTemplateChannel()
    channel.send(n, "openid-1")
    assert received[0]["touser"] == "openid-1" and received[0]["data"]["k"] == {"value": "v"}
    with pytest.raises(channels.ChannelFailed):
        channel.send(n, "openid-1")  # errcode != 0 is a failure to retry
    server.shutdown()


@pytest.mark.django_db
def test_inbox_page_shows_unread_count_and_marks_read(citizen, client):
    other = User.objects.create_user("li", name="李四")
    mine = notification_send(recipient=citizen, template="tests.reminder", context={"name": "张三"}, dedupe_key="1")
    notification_send(recipient=citizen, template="tests.reminder", context={}, dedupe_key="2")
    theirs = notification_send(recipient=other, template="tests.reminder", context={}, dedupe_key="3")
    client.force_login(citizen)
    page = client.get("/notifications/")
    assert page.status_code == 200 and page.context["unread"] == 2
    assert len(page.context["page"]) == 2
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/notifications/read-all/")
    assert client.get("/notifications/").context["unread"] == 0


@pytest.mark.django_db
def test_api_lists_counts_and_marks_read_only_my_notifications(citizen, client):
    other = User.objects.create_user("li", name="李四")
    mine = notification_send(recipient=citizen, template="tests.reminder", context={}, dedupe_key="1")
    theirs = notification_send(recipient=other, template="tests.reminder", context={}, dedupe_key="2")
    assert client.get("/api/v1/notifications/").status_code == 401
    client.force_login(citizen)
    body = client.get("/api/v1/notifications/").json()
    assert [n["id"] for n in body] == [mine.pk]
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    r = client.post(f"/api/v1/notifications/{mine.pk}/read")
    assert r.json() == {"marked": 1, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_api_marks_all_my_notifications_read(citizen, client):
    """read-all is its own route, not taken for a notification id."""
    other = User.objects.create_user("li", name="李四")
    for n in range(3):
        notification_send(recipient=citizen, template="tests.reminder", context={}, dedupe_key=f"m{n}")
    theirs = notification_send(recipient=other, template="tests.reminder", context={}, dedupe_key="t")
    client.force_login(citizen)
    r = client.post("/api/v1/notifications/read-all")
    assert r.status_code == 200 and r.json() == {"marked": 3, "unread": 0}
    assert client.get("/api/v1/notifications/read-all").status_code in (404, 405)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_retry_sweep_is_registered_with_the_scheduler():
    from minsheng.core import periodic
    from minsheng.notifications.tasks import notification_retry_due_task

    entry = periodic.registered()["notifications.retry_due"]
    assert entry.target is notification_retry_due_task and entry.every_seconds > 0
