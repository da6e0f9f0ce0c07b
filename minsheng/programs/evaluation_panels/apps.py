from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sees_evaluation(user, evaluation) -> bool:
    from .selectors import projects_for_staff

    return projects_for_staff(user=user).filter(pk=evaluation.project_id).exists()


class EvaluationPanelsConfig(AppConfig):
    name = "minsheng.programs.evaluation_panels"
    label = "evaluation_panels"
    verbose_name = _("Citizens' evaluation panels")

    def ready(self) -> None:
        from minsheng.attachments.access import register_access
        from minsheng.core import periodic
        from minsheng.core.registry import (
            DemoGenerator,
            Kpi,
            PortalTile,
            Program,
            WorkbenchEntry,
            registry,
        )

        from . import kpis, notices, processes

        notices.register_templates()
        processes.register()
        from . import importers

        importers.register()
        # Progress photos are public-interest records: any signed-in user may open them;
        # photos taken during an evaluation are for the organisers and the lead unit.
        register_access("evaluation_panels.ProgressReport", lambda user, report: True)
        register_access(
            "evaluation_panels.Evaluation",
            lambda user, ev: user.is_staff and _sees_evaluation(user, ev),
        )

        def demo_run(ctx):
            from .demo import run

            return run(ctx)

        def overdue_check():
            from .services import milestones_flag_overdue

            milestones_flag_overdue()

        periodic.register("evaluation_panels.overdue_milestones", overdue_check, every_seconds=3600)

        staff_roles = ("panel_organiser", "congress_staff", "supervisor")
        registry.register(
            Program(
                key="evaluation_panels",
                title=_("Citizens' evaluation of livelihood projects"),
                urls="minsheng.programs.evaluation_panels.urls",
                api_router="minsheng.programs.evaluation_panels.api:router",
                portal_tiles=[
                    PortalTile(
                        title=_("Livelihood projects"),
                        url_name="evaluation_panels:home",
                        description=_("Propose and support ideas, follow this year's projects and their ratings"),
                        icon="🏗",
                        order=20,
                    ),
                    PortalTile(
                        title=_("My panel evaluations"),
                        url_name="evaluation_panels:my_panels",
                        description=_("Invitations, on-site check-in and scoring for panel members"),
                        icon="📝",
                        order=21,
                    ),
                ],
                workbench_entries=[
                    WorkbenchEntry(
                        title=_("Livelihood projects: supervision"),
                        url_name="evaluation_panels:supervision",
                        roles=staff_roles,
                        order=20,
                    ),
                    WorkbenchEntry(
                        title=_("Livelihood projects: my unit"),
                        url_name="evaluation_panels:unit_projects",
                        roles=("project_unit_officer",),
                        order=21,
                    ),
                ],
                kpis=[
                    Kpi(
                        key="evaluation_panels.satisfaction",
                        title=_("Livelihood projects rated satisfied"),
                        compute=kpis.satisfied_percent,
                        unit="%",
                    ),
                    Kpi(
                        key="evaluation_panels.on_time",
                        title=_("Project milestones met on time"),
                        compute=kpis.on_time_percent,
                        unit="%",
                    ),
                ],
                demo=DemoGenerator(run=demo_run),
                roles={
                    "panel_organiser": _("evaluation panel organiser"),
                    "project_unit_officer": _("livelihood project officer of a unit"),
                    "congress_staff": _("people's congress staff"),
                },
            )
        )
