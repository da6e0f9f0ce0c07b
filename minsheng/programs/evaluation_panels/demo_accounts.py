"""民生实事评议 — the program's demo sign-ins: organisers, each lead unit's officer, a panel member."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import DemoAccount

from .models import PanelSeat

# The departments that lead projects in the demo (demo.UNITS), each with its project officer.
LEAD_UNITS = {
    "housing": _("project officer, housing and urban-rural development bureau"),
    "education": _("project officer, education bureau"),
    "medical_insurance": _("project officer, medical insurance bureau"),
    "civil_affairs": _("project officer, civil affairs bureau"),
    "human_resources": _("project officer, human resources and social security bureau"),
    "market_regulation": _("project officer, market regulation bureau"),
}

ACCOUNTS = [
    DemoAccount(
        login="panel_organiser", roles=("panel_organiser",), organisation="department:people_congress",
        title=_("evaluation panel organiser"),
        try_this=_("Cycles, candidate projects, milestones; draw a panel and publish its result"),
        order=20,
    ),
    DemoAccount(
        login="congress_staff", roles=("congress_staff",), organisation="department:people_congress",
        title=_("people's congress staff"),
        try_this=_("Screen the public's ideas; open and tally the delegates' vote"),
        order=21,
    ),
    *(
        DemoAccount(
            login="project_officer" if code == "housing" else f"project_officer_{code}",
            roles=("project_unit_officer",), organisation=f"department:{code}",
            title=title,
            try_this=_("Report progress on the unit's projects; answer an open rectification"),
            order=22 + n,
        )
        for n, (code, title) in enumerate(LEAD_UNITS.items())
    ),
    DemoAccount(
        login="13900000021", roles=(),
        adopt="minsheng.programs.evaluation_panels.demo_accounts:demo_panel_member",
        title=_("panel member (a volunteer citizen)"),
        try_this=_("My panel evaluations: check in, score a project"),
        order=29,
    ),
]


def demo_panel_member(ctx, _organisation):
    """A volunteer who sat on the latest panel (with a citizen account)."""
    seat = (
        PanelSeat.objects.filter(volunteer__person__user__isnull=False)
        .select_related("volunteer__person__user")
        .order_by("-evaluation__starts_at", "pk")
        .first()
    )
    return seat.volunteer.person.user if seat else None
