from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

SLA_CHECK_SECONDS = settings.CASES_SLA_CHECK_SECONDS


class CasesConfig(AppConfig):
    name = "minsheng.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from minsheng.core import periodic
        from minsheng.notifications.templates import register

        from .tasks import sla_check_task

        periodic.register("cases.sla_check", sla_check_task, every_seconds=SLA_CHECK_SECONDS)
        register("cases.opened", title="办件已受理", body="您的{process}申请已提交，办件编号{reference}。")
        register(
            "cases.transition",
            title="办件进度通知",
            body="您的{process}（办件编号{reference}）当前进度：{state}。",
        )
        register(
            "cases.overdue",
            title="办件超期提醒",
            body="办件{reference}（{process}）已超过办理时限，请尽快处理。",
            channels=("inbox",),
        )
        register(
            "cases.escalated",
            title="超期办件督办",
            body="办件{reference}（{process}）已超期，已提交您督办。",
            channels=("inbox", "sms"),
        )
        register(
            "cases.task_overdue",
            title="任务超期提醒",
            body="办件{reference}的任务“{task}”已超过办理时限，请尽快处理。",
            channels=("inbox",),
        )
        register(
            "cases.task_escalated",
            title="超期任务督办",
            body="办件{reference}的任务“{task}”已超期，已提交您督办。",
            channels=("inbox", "sms"),
        )
