"""What school staff and supervisors see: offerings and windows in their scope, and the
supervision figures (coverage, teachers, sessions, attendance, fees, satisfaction)."""

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation
from minsheng.access.principal import held_assignments
from minsheng.access.selectors import scope_q
from minsheng.core.natural import natural_key

from ..models import (
    ACTIVE_STATES,
    Application,
    ApplicationWindow,
    Attendance,
    Enrolment,
    Offering,
    Session,
    Teacher,
    Term,
)
from .family import current_term
from .satisfaction import ratings_of_term, satisfaction_counts

STAFF_ROLES = ("school_admin", "education_supervisor", "supervisor")
AREA_ROLES = ("education_supervisor", "supervisor")


def schools_for(*, user):
    """The schools a member of staff works for: a school administrator their own school(s) only,
    an education supervisor every school in their region subtree."""
    schools = Organisation.objects.filter(kind="school")
    if user.is_superuser:  # every school (``Q() | Q(pk__in=[])`` would be none)
        return schools
    own = [a.organisation_id for a in held_assignments(user=user, roles=["school_admin"])]
    return schools.filter(scope_q(user=user, roles=AREA_ROLES) | Q(pk__in=own))


def _enclosing_regions_q(*, user) -> Q:
    """Regions that contain (or are) a region the user holds a role in: the city and the
    district above a school's town."""
    prefixes = {a.region.prefix[:k] for a in held_assignments(user=user, roles=STAFF_ROLES)
                for k in range(1, len(a.region.prefix) + 1)}
    return Q(region__prefix__in=sorted(prefixes))


def offerings_for_staff(*, user, term: Term | None):
    qs = Offering.objects.filter(Q(host__in=schools_for(user=user)) | Q(school__in=schools_for(user=user)))
    if term:
        qs = qs.filter(term=term)
    return qs.select_related("host", "term").prefetch_related("days").order_by("host__name", "title")


def windows_managed_by(*, user):
    """Windows the user may run (the lottery): their schools' own, and for an education
    supervisor the area windows of their region subtree."""
    return (ApplicationWindow.objects.filter(
        Q(school__in=schools_for(user=user)) | (Q(school__isnull=True) & scope_q(user=user, roles=AREA_ROLES)))
        .select_related("term", "school").order_by("-opens_at"))


def windows_for_staff(*, user):
    """Windows the user sees: those they manage, and the city-wide or district windows that
    cover their schools (a school administrator follows the city's window and its lottery)."""
    if user.is_superuser:
        return windows_managed_by(user=user)
    return (ApplicationWindow.objects.filter(
        Q(school__in=schools_for(user=user)) | (Q(school__isnull=True) & scope_q(user=user, roles=AREA_ROLES))
        | (Q(school__isnull=True) & _enclosing_regions_q(user=user)))
        .select_related("term", "school").order_by("-opens_at"))


TARGET_PERCENT = 90  # the city's target for participation and parent satisfaction


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def supervision_rows(*, user=None, term: Term | None = None, by: str = "district", region_prefix: str = "") -> list[dict]:
    """Coverage, teachers, sessions, attendance, fees and parent satisfaction by district or school.

    A handful of grouped queries, whatever the number of schools. ``user``
    limits to their scope (None: the whole city, for KPIs). ``by="city"`` gives one
    row, the total of the districts in scope.
    """
    if by == "city":
        rows = supervision_rows(user=user, term=term, by="district", region_prefix=region_prefix)
        return [supervision_total(rows)] if rows else []
    term = term or current_term()
    if term is None:
        return []
    schools = Organisation.objects.filter(kind="school")
    if user is not None:
        schools = schools.filter(scope_q(user=user, roles=STAFF_ROLES))
    if region_prefix:
        schools = schools.filter(region__prefix__startswith=region_prefix)
    def grouped(qs, school_field, **aggs):
        if by == "school":
            rows = qs.annotate(k=F(f"{school_field}_id")).values("k").annotate(**aggs)
        else:
            rows = qs.annotate(k=Substr(f"{school_field}__region_id", 1, 6)).values("k").annotate(**aggs)
        return {r["k"]: r for r in rows}

    enrolled = grouped(Enrolment.objects.filter(school_year=term.school_year, school__in=schools), "school",
                       n=Count("id"))
    covered = grouped(Application.objects.filter(offering__term=term, school__in=schools,
                                                 state__in=["admitted", "accepted"]), "school",
                      n=Count("student_id", distinct=True), fees=Sum("fee_due"),
                      waived=Count("id", filter=Q(waiver_percent__gt=0)))
    applied = grouped(Application.objects.filter(offering__term=term, school__in=schools, state__in=ACTIVE_STATES),
                      "school", n=Count("student_id", distinct=True))
    teachers = grouped(Teacher.objects.filter(school__in=schools, is_active=True), "school",
                       n=Count("id"), party=Count("id", filter=Q(party_member=True)))
    serving = grouped(Teacher.objects.filter(school__in=schools, offerings__term=term).distinct(), "school",
                      n=Count("id", distinct=True), party=Count("id", distinct=True, filter=Q(party_member=True)))
    sessions = grouped(Session.objects.filter(offering__term=term, offering__host__in=schools), "offering__host",
                       held=Count("id", filter=Q(state="held")))
    attendance = grouped(Attendance.objects.filter(session__offering__term=term, session__offering__host__in=schools),
                         "session__offering__host", n=Count("id"), present=Count("id", filter=Q(status="present")))
    ratings = grouped(ratings_of_term(term=term, organisations=schools), "organisation", **satisfaction_counts())
    names = {}
    if by == "school":
        names = dict(schools.values_list("pk", "name"))
    else:
        from minsheng.regions.models import Region
        names = dict(Region.objects.filter(code__in=list(enrolled)).values_list("code", "name"))
    rows = []
    for k in sorted(set(enrolled) | set(teachers), key=lambda x: natural_key(names.get(x, str(x)))):
        e = enrolled.get(k, {}).get("n", 0)
        c = covered.get(k, {})
        t, s = teachers.get(k, {}), serving.get(k, {})
        a, r = attendance.get(k, {}), ratings.get(k, {})
        rows.append({
            "key": k, "name": names.get(k, str(k)), "students": e, "applied": applied.get(k, {}).get("n", 0),
            "enrolled_in_care": c.get("n", 0), "coverage_percent": _pct(c.get("n", 0), e),
            "teachers": t.get("n", 0), "teachers_serving": s.get("n", 0),
            "teachers_serving_party": s.get("party", 0),
            "teacher_participation_percent": _pct(s.get("n", 0), t.get("n", 0)),
            "party_share_percent": _pct(s.get("party", 0), s.get("n", 0)),
            "sessions_held": sessions.get(k, {}).get("held", 0),
            "attendance_marks": a.get("n", 0), "attendance_present": a.get("present", 0),
            "attendance_percent": _pct(a.get("present", 0), a.get("n", 0)),
            "fees_due": c.get("fees") or 0, "waived_applications": c.get("waived", 0),
            "ratings": r.get("n", 0), "ratings_satisfied": r.get("satisfied", 0),
            "satisfaction_percent": _pct(r.get("satisfied", 0), r.get("n", 0)),
            "target_percent": TARGET_PERCENT,
        })
    return rows


def supervision_total(rows: list[dict], *, key: str = "total", name: str = "") -> dict:
    """One row summing ``rows``: shares are recomputed from the counts, never averaged."""
    def total(field):
        return sum(r[field] for r in rows)

    students, covered = total("students"), total("enrolled_in_care")
    teachers, serving, party = total("teachers"), total("teachers_serving"), total("teachers_serving_party")
    marks, present = total("attendance_marks"), total("attendance_present")
    ratings, satisfied = total("ratings"), total("ratings_satisfied")
    return {
        "key": key, "name": name or _("Total"), "students": students, "applied": total("applied"),
        "enrolled_in_care": covered, "coverage_percent": _pct(covered, students),
        "teachers": teachers, "teachers_serving": serving, "teachers_serving_party": party,
        "teacher_participation_percent": _pct(serving, teachers), "party_share_percent": _pct(party, serving),
        "sessions_held": total("sessions_held"), "attendance_marks": marks, "attendance_present": present,
        "attendance_percent": _pct(present, marks), "fees_due": total("fees_due"),
        "waived_applications": total("waived_applications"), "ratings": ratings, "ratings_satisfied": satisfied,
        "satisfaction_percent": _pct(satisfied, ratings), "target_percent": TARGET_PERCENT,
    }


def city_summary(*, term: Term | None = None) -> dict:
    """The whole city's totals (KPIs and the dashboard)."""
    return supervision_total(supervision_rows(term=term), key="city")
