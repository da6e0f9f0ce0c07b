"""Message templates this program sends through minsheng.notifications."""

from minsheng.notifications.templates import MessageTemplate

TEMPLATES = [
    MessageTemplate(
        "elderly_care.confirm_code",
        title="居家养老服务确认码",
        body="{caregiver}已为{elder}完成{service}服务。如服务属实，请将确认码 {code} 告知服务人员（{minutes}分钟内有效）。",
        channels=("sms",),
    ),
    MessageTemplate(
        "elderly_care.confirm_code_short",
        title="居家养老服务确认码（服务时长不足）",
        body="{caregiver}为{elder}提供的{service}服务只进行了{served}分钟（计划{planned}分钟），未按计划完成，已提交核查。"
        "如认可本次服务，请将确认码 {code} 告知服务人员（{minutes}分钟内有效）；如有异议，请不要提供确认码。",
        channels=("sms",),
    ),
    MessageTemplate(
        "elderly_care.alarm",
        title="燃气/烟雾报警",
        body="{elder}家（{address}）的{device}于{time}报警。请立即联系老人并到场处置，处置后在平台确认。",
        channels=("inbox", "sms"),
    ),
    MessageTemplate(
        "elderly_care.alarm_escalated",
        title="报警无人响应（第{level}级升级）",
        body="{elder}家（{address}）的{device}于{time}报警，已{minutes}分钟无人确认。请立即处置。",
        channels=("inbox", "sms"),
    ),
    MessageTemplate(
        "elderly_care.rectification",
        title="居家养老服务整改通知",
        body="回访发现工单{order}的服务存在问题：{reason}。请在{due}前完成整改并在平台回复。",
        channels=("inbox",),
    ),
    MessageTemplate(
        "elderly_care.application_decided",
        title="居家养老服务申请结果",
        body="{elder}的居家养老服务申请{result}。{note}",
        channels=("inbox", "sms"),
    ),
]


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
