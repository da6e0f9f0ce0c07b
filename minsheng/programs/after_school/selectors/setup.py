"""Who may set the program up, and the set-up pages' lists: terms, windows, fee-waiver rules and
the students with a waived fee — each read in the caller's scope (a school administrator their
own schools; an education supervisor their region subtree)."""

from django.db.models import Count, Q

from minsheng.access.principal import held_assignments
from minsheng.core.errors import NotFound
from minsheng.regions.models import Region

from ..models import ApplicationWindow, Enrolment, FeeWaiverRule, Term
from .supervision import AREA_ROLES, schools_for

CITY_LEVELS = ("province", "city")


def can_manage_city(*, user) -> bool:
    """Terms and fee-waiver rules are the whole city's: an education supervisor assigned at the
    city (or province) level changes them; everyone else reads them."""
    if getattr(user, "is_superuser", False):
        return True
    return any(a.region.level in CITY_LEVELS for a in held_assignments(user=user, roles=["education_supervisor"]))


def area_regions_for(*, user):
    """The regions an education supervisor may open an area window for: their own region(s) and
    the districts in them (a city-wide window is one for the city itself)."""
    if getattr(user, "is_superuser", False):
        return Region.objects.filter(level__in=("city", "county")).order_by("code")
    q = Q(pk__in=[])
    for a in held_assignments(user=user, roles=AREA_ROLES):
        q |= Q(prefix__startswith=a.region.prefix, level__in=("city", "county"))
    return Region.objects.filter(q).order_by("code")


def terms_list():
    """Every term, newest first, with how many offerings and windows each has (one query)."""
    return Term.objects.annotate(n_offerings=Count("offerings", distinct=True),
                                 n_windows=Count("windows", distinct=True)).order_by("-starts_on")


def term_get(*, term_id: int) -> Term:
    term = Term.objects.filter(pk=term_id).first()
    if term is None:
        raise NotFound()
    return term


def waiver_rules():
    return FeeWaiverRule.objects.select_related("term").order_by("category", "term__starts_on")


def waiver_rule_get(*, rule_id: int) -> FeeWaiverRule:
    rule = FeeWaiverRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    return rule


def enrolments_for(*, user, params: dict, school_year: int | None):
    """The students of the caller's schools for a school year: those with a recorded family
    category (``waived`` on, the default), or found by name (``q``)."""
    qs = Enrolment.objects.filter(school__in=schools_for(user=user))
    if school_year:
        qs = qs.filter(school_year=school_year)
    name = (params.get("q") or "").strip()[:40]
    if name:
        qs = qs.filter(student__name__contains=name)
    elif params.get("all") != "1":
        qs = qs.exclude(family_category="")
    return qs.select_related("student", "school", "class_group").order_by("school__name", "class_group__name",
                                                                          "student__name", "pk")


def enrolment_get_for(*, user, enrolment_id: int) -> Enrolment:
    """The access gate of a student's roll entry: one of the caller's own schools, else 404."""
    row = (Enrolment.objects.filter(pk=enrolment_id, school__in=schools_for(user=user))
           .select_related("student", "school", "class_group").first())
    if row is None:
        raise NotFound()
    return row


def window_visible_get(*, user, window_id: int, visible, managed) -> tuple[ApplicationWindow, bool]:
    """A window the user sees (``visible``), and whether they may change it (``managed``)."""
    window = visible.filter(pk=window_id).first()
    if window is None:
        raise NotFound()
    return window, managed.filter(pk=window_id).exists()
