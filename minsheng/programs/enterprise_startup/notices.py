"""Message templates this program sends through minsheng.notifications."""

from minsheng.notifications.templates import MessageTemplate

TEMPLATES = [
    MessageTemplate(
        "enterprise_startup.confirm",
        title="企业开办股东确认",
        body="{founder}邀请您确认{name}的设立登记信息，请登录后在“企业开办”中确认。",
    ),
    MessageTemplate(
        "enterprise_startup.licence",
        title="电子营业执照已签发",
        body="{name}的电子营业执照已签发，统一社会信用代码{credit_code}，可在“企业开办”中下载。",
    ),
    MessageTemplate(
        "enterprise_startup.delivery",
        title="执照印章寄递进度",
        body="{name}的纸质执照和印章寄递状态：{state}。{tracking}",
    ),
]
