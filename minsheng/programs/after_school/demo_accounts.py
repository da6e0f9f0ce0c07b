"""课后服务 — the program's demo sign-ins, one per role (minsheng.demo.accounts makes them)."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import DemoAccount

from .models import Teacher

ACCOUNTS = [
    DemoAccount(
        login="school_admin_1", roles=("school_admin",),
        organisation="minsheng.programs.after_school.demo_accounts:demo_school",
        title=_("school after-school administrator"),
        try_this=_("The school's offerings, applications, lottery, attendance and fees"),
        order=60,
    ),
    DemoAccount(
        login="teacher_demo", roles=("teacher",),
        organisation="minsheng.programs.after_school.demo_accounts:demo_school",
        adopt="minsheng.programs.after_school.demo_accounts:demo_teacher",
        title=_("after-school teacher"),
        try_this=_("My care sessions: mark attendance, record pick-ups"),
        order=61,
    ),
    DemoAccount(
        login="education_supervisor", roles=("education_supervisor",),
        organisation="department:education",
        title=_("education supervisor"),
        try_this=_("After-school supervision figures for every school in the city"),
        order=62,
    ),
]


def demo_school(ctx):
    """The school with the most offerings taught by a teacher who has an account."""
    teacher = (
        Teacher.objects.filter(person__user__isnull=False)
        .annotate(n=Count("offerings"))
        .filter(n__gt=0)
        .select_related("school")
        .order_by("-n", "pk")
        .first()
    )
    return teacher.school if teacher else None


def demo_teacher(ctx, school):
    teacher = (
        Teacher.objects.filter(school=school, person__user__isnull=False, offerings__isnull=False)
        .select_related("person__user")
        .order_by("pk")
        .first()
    )
    return teacher.person.user if teacher else None
