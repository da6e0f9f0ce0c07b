from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterpriseStartupConfig(AppConfig):
    name = "minsheng.programs.enterprise_startup"
    label = "enterprise_startup"
    verbose_name = _("Enterprise start-up")

    def ready(self) -> None:
        from minsheng.attachments.access import register_access
        from minsheng.core.registry import (
            DemoGenerator,
            Kpi,
            PortalTile,
            Program,
            WorkbenchEntry,
            registry,
        )
        from minsheng.notifications.templates import register as register_template

        from . import kpis, process

        process.register()
        register_template(
            "enterprise_startup.confirm",
            title="企业开办股东确认",
            body="{founder}邀请您确认{name}的设立登记信息，请登录后在“企业开办”中确认。",
        )
        register_template(
            "enterprise_startup.licence",
            title="电子营业执照已签发",
            body="{name}的电子营业执照已签发，统一社会信用代码{credit_code}，可在“企业开办”中下载。",
        )
        register_template(
            "enterprise_startup.delivery",
            title="执照印章寄递进度",
            body="{name}的纸质执照和印章寄递状态：{state}。{tracking}",
        )

        def can_view(user, application):
            from .selectors import application_visible_to

            return application_visible_to(user=user, application=application)

        register_access("enterprise_startup.StartupApplication", can_view)

        def demo_run(ctx):
            from .demo import run

            return run(ctx)

        registry.register(
            Program(
                key="enterprise_startup",
                title=_("Enterprise start-up"),
                urls="minsheng.programs.enterprise_startup.urls",
                api_router="minsheng.programs.enterprise_startup.api:router",
                portal_tiles=[
                    PortalTile(
                        title=_("Start a business"),
                        url_name="enterprise_startup:home",
                        description=_("Register a company online without a single visit"),
                        icon="🏢",
                        order=10,
                    ),
                    PortalTile(
                        title=_("Verify a business licence"),
                        url_name="enterprise_startup:verify",
                        description=_("Check an electronic business licence or its QR code"),
                        icon="✅",
                        order=11,
                    ),
                ],
                workbench_entries=[
                    WorkbenchEntry(
                        title=_("Start-up tasks"),
                        url_name="enterprise_startup:staff_tasks",
                        roles=("case_officer", "department_head"),
                        order=10,
                    ),
                    WorkbenchEntry(
                        title=_("Zero-visit dashboard"),
                        url_name="enterprise_startup:dashboard",
                        roles=("supervisor", "department_head"),
                        order=11,
                    ),
                ],
                kpis=[
                    Kpi(
                        key="enterprise_startup.median_hours",
                        title=_("Start-up: median working hours to completion"),
                        compute=kpis.median_hours,
                        unit=_("h"),
                    ),
                    Kpi(
                        key="enterprise_startup.zero_visit_share",
                        title=_("Start-ups with zero visits"),
                        compute=kpis.zero_visit_percent,
                        unit="%",
                    ),
                ],
                demo=DemoGenerator(run=demo_run),
                roles={},
            )
        )
