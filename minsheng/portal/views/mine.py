"""我的 — one place for everything of the signed-in person: their cases (read here, from the
case workflow) and what each program declares through its ``mine`` provider (tickets,
appointments, applications, panel invitations, care for family members). Core never imports a
program: the registry hands over the providers; each reads in a fixed number of queries."""

from django.contrib.contenttypes.models import ContentType
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.access.decorators import citizen
from minsheng.cases import selectors as case_selectors
from minsheng.cases.models import Case
from minsheng.cases.process import APPLICANT, get_process
from minsheng.core.registry import MineItem, MineSection, registry
from minsheng.ratings.models import Rating

CASE_LIMIT = 30

SECTION_TITLES = {
    MineSection.CASES: gettext_lazy("Cases"),
    MineSection.TICKETS: gettext_lazy("Queue numbers"),
    MineSection.APPOINTMENTS: gettext_lazy("Appointments"),
    MineSection.APPLICATIONS: gettext_lazy("Applications"),
    MineSection.INVITATIONS: gettext_lazy("Panel invitations"),
    MineSection.FAMILY: gettext_lazy("Services for my family"),
}
SECTION_EMPTY = {
    MineSection.CASES: gettext_lazy("No cases yet. When you apply for a service, you can follow it here."),
    MineSection.TICKETS: gettext_lazy("No queue numbers in the last two months."),
    MineSection.APPOINTMENTS: gettext_lazy("No appointments in the last two months."),
    MineSection.APPLICATIONS: gettext_lazy("No applications in progress."),
    MineSection.INVITATIONS: gettext_lazy("You have not been drawn for a panel."),
    MineSection.FAMILY: gettext_lazy("No one in your family receives a service through the platform."),
}


def _case_item(case: Case, rated: set[str]) -> MineItem:
    try:
        process = get_process(case.process_key)
    except LookupError:
        process = None
    title = str(process.title) if process else case.reference
    if case.subject_id and case.subject.user_id != case.applicant_id:
        title = _("%(process)s for %(name)s") % {"process": title, "name": case.subject.name}
    state = process.state(case.state) if process else None
    mine_now = [
        str(a.title) for a in (process.actions if process else [])
        if case.state in a.source and APPLICANT in a.roles
    ]
    tone = "primary"
    if state is not None and state.terminal:
        tone = "secondary"
        step = (_("Done.") if str(case.pk) in rated else _("Rate how the case was handled."))
        action = str(case.pk) not in rated
    elif mine_now:
        step, action, tone = _("Your turn: %(actions)s.") % {"actions": " / ".join(mine_now)}, True, "warning"
    elif case.due_at:
        step, action = _("Being handled. Expected by %(date)s.") % {"date": case.due_at.date().isoformat()}, False
    else:
        step, action = _("Being handled."), False
    return MineItem(
        section=MineSection.CASES, title=title, detail=case.reference,
        status=str(state.title) if state else case.state, next_step=step, action=action,
        url=reverse("portal:my_case", args=[case.pk]), at=case.submitted_at, tone=tone,
    )


def cases_of(*, user) -> list[MineItem]:
    """Three queries: the care relations (two) and the cases; a fourth for their ratings."""
    cases = list(case_selectors.citizen_cases(user=user)[:CASE_LIMIT])
    closed = [str(c.pk) for c in cases if c.closed_at]
    rated = set(
        Rating.objects.filter(
            rater=user, target_type=ContentType.objects.get_for_model(Case), target_id__in=closed
        ).values_list("target_id", flat=True)
    ) if closed else set()
    return [_case_item(c, rated) for c in cases]


def mine_sections(*, user) -> list[dict]:
    """The hub's groups in their fixed order, each with its items newest first."""
    items = cases_of(user=user)
    for _program, provider in registry.mine_providers():
        items.extend(provider(user))
    by_section: dict[str, list[MineItem]] = {s: [] for s in MineSection.ORDER}
    for item in items:
        by_section.setdefault(item.section, []).append(item)
    sections = []
    for key, rows in by_section.items():
        rows.sort(key=lambda i: (not i.action, -(i.at.timestamp() if i.at else 0)))
        sections.append({
            "key": key, "title": SECTION_TITLES.get(key, key), "empty": SECTION_EMPTY.get(key, ""),
            "items": rows, "todo": sum(1 for i in rows if i.action),
        })
    return sections


@citizen
def mine(request):
    sections = mine_sections(user=request.user)
    return render(request, "portal/mine.html", {
        "sections": sections, "todo": sum(s["todo"] for s in sections),
    })
