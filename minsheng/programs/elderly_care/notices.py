"""Message templates this program sends through minsheng.notifications."""

from minsheng.notifications import templates

TEMPLATES = {
    "elderly_care.confirm_code": (
        "居家养老服务确认码",
        "{caregiver}已为{elder}完成{service}服务。如服务属实，请将确认码 {code} 告知服务人员（{minutes}分钟内有效）。",
        ("sms",),
    ),
    "elderly_care.alarm": (
        "燃气/烟雾报警",
        "{elder}家（{address}）的{device}于{time}报警。请立即联系老人并到场处置，处置后在平台确认。",
        ("inbox", "sms"),
    ),
    "elderly_care.alarm_escalated": (
        "报警无人响应（第{level}级升级）",
        "{elder}家（{address}）的{device}于{time}报警，已{minutes}分钟无人确认。请立即处置。",
        ("inbox", "sms"),
    ),
    "elderly_care.rectification": (
        "居家养老服务整改通知",
        "回访发现工单{order}的服务存在问题：{reason}。请在{due}前完成整改并在平台回复。",
        ("inbox",),
    ),
    "elderly_care.application_decided": (
        "居家养老服务申请结果",
        "{elder}的居家养老服务申请{result}。{note}",
        ("inbox", "sms"),
    ),
}


def register_templates() -> None:
    for code, (title, body, channels) in TEMPLATES.items():
        templates.register(code, title=title, body=body, channels=channels)


def send(*, recipient, template: str, context: dict, dedupe_key: str, channels=None):
    """Send through the platform's notifications (after the caller's data is saved)."""
    from minsheng.notifications.services import notification_send

    return notification_send(
        recipient=recipient,
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        channels=channels,
    )
