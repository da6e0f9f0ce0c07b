"""Message templates this program sends through minsheng.notifications, and the send helpers."""

from django.db import transaction

from minsheng.notifications.services import notification_send
from minsheng.notifications.templates import MessageTemplate

TEMPLATES = [
    MessageTemplate(
        "after_school.offer",
        title="课后服务递补名额",
        body="{student}获得{offering}的递补名额，请于{deadline}前确认，逾期名额将顺延给下一位候补。",
    ),
    MessageTemplate(
        "after_school.absent",
        title="课后服务缺勤提醒",
        body="{student}于{date}未参加{offering}。如有疑问请联系学校。",
    ),
    MessageTemplate(
        "after_school.lottery_result",
        title="课后服务摇号结果",
        body="{student}申请的{offering}（申请号{reference}）摇号结果：{result}。摇号可公开核验，编号{draw}。",
    ),
    MessageTemplate(
        "after_school.late_pickup",
        title="课后服务延迟接走",
        body="{student}于{time}从{offering}被接走，晚于服务结束时间。",
    ),
]


def send(*, recipients, template: str, context: dict, dedupe_key: str) -> None:
    """Send after the caller's transaction commits."""
    transaction.on_commit(lambda: send_now(recipients=recipients, template=template, context=context,
                                           dedupe_key=dedupe_key))


def send_now(*, recipients, template: str, context: dict, dedupe_key: str) -> None:
    """Send now, inside the caller's transaction (a background fan-out that commits a chunk of
    notices at once). Recipients are users or persons; the dedupe key gets ``:<their id>``."""
    context = {k: str(v) for k, v in context.items()}
    for recipient in recipients:
        notification_send(recipient=recipient, template=template, context=context,
                          dedupe_key=f"{dedupe_key}:{recipient.pk}")
