"""Who may apply for which child to which offering — the one home of the application rule.

The submit service, the API and the pages all read these functions:

- guardianship: a *current* guardian relation (``identity.PersonRelation``, kind "guardian",
  within its valid-from/valid-to dates) from the signed-in user's person to the child; the
  same relations say whom a notice about the child goes to;
- enrolment: the child is on a school roll for the offering's school year;
- the offering: published, for the child's school (or, city-wide, an area containing it),
  for the child's grade;
- the window: an application window of the offering's term, the school's own or one for an
  area containing the school, is open now.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed
from minsheng.identity.models import Person, PersonRelation, RelationKind

from ..models import ApplicationWindow, Enrolment, Offering


def guardian_relations(*, today: date | None = None) -> QuerySet[PersonRelation]:
    """Current guardian relations (``person`` is guardian of ``relative``)."""
    today = today or timezone.localdate()
    return PersonRelation.objects.filter(kind=RelationKind.GUARDIAN).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
    )


def children_of(*, user) -> list[Person]:
    """The children ``user`` is a current guardian of (one query)."""
    if not user.is_authenticated:
        return []
    in_care = guardian_relations().filter(person__user=user).values("relative_id")
    return list(Person.objects.filter(pk__in=in_care).order_by("birth_date", "id"))


def guardian_users_of(*, student_id: int) -> list:
    """The accounts of the child's current guardians (whom notices about the child go to)."""
    relations = guardian_relations().filter(relative_id=student_id, person__user__isnull=False)
    return [r.person.user for r in relations.select_related("person__user")]


@dataclass(frozen=True)
class Applicant:
    """A child as an application sees them. ``guardian_id``: the caller's person when a current
    guardian, else None; the enrolment fields are None when the child is not on a roll that year."""

    student_id: int
    guardian_id: int | None
    enrolment_id: int | None
    school_id: int | None
    grade_level: int | None
    family_category: str
    dual_working: bool
    school_prefix: str

    @classmethod
    def of_enrolment(cls, enrolment: Enrolment, *, guardian_id: int | None = None) -> "Applicant":
        return cls(student_id=enrolment.student_id, guardian_id=guardian_id, enrolment_id=enrolment.pk,
                   school_id=enrolment.school_id, grade_level=enrolment.grade_level,
                   family_category=enrolment.family_category, dual_working=enrolment.dual_working,
                   school_prefix=enrolment.school.region.prefix)


def applicant_get(*, user, student_id: int, school_year: int) -> Applicant | None:
    """The child ``student_id`` for ``user`` applying in ``school_year`` (one query), or None when
    there is no such person."""
    guardian = guardian_relations().filter(person__user=user, relative=OuterRef("pk")).order_by("pk")
    row = (
        Person.objects.filter(pk=student_id)
        .annotate(
            guardian_id=Subquery(guardian.values("person_id")[:1]),
            enrolment=FilteredRelation(
                "after_school_enrolments", condition=Q(after_school_enrolments__school_year=school_year)),
        )
        .values_list("guardian_id", "enrolment__id", "enrolment__school_id", "enrolment__grade_level",
                     "enrolment__family_category", "enrolment__dual_working", "enrolment__school__region__prefix")
        .first()
    )
    if row is None:
        return None
    guardian_id, enrolment_id, school_id, grade, category, dual, prefix = row
    return Applicant(student_id=student_id, guardian_id=guardian_id, enrolment_id=enrolment_id,
                     school_id=school_id, grade_level=grade, family_category=category or "",
                     dual_working=bool(dual), school_prefix=prefix or "")


def offering_refusal(*, offering: Offering, applicant: Applicant) -> str | None:
    """Why the child may not apply to ``offering`` (school, area, grade, published), or None."""
    if applicant.school_id is None:
        return _("This child is not on a school roll for this school year. Ask the school to add the child.")
    if offering.school_id and offering.school_id != applicant.school_id:
        return _("This offering is for students of another school. Choose an offering of your child's school.")
    if not offering.school_id and not applicant.school_prefix.startswith(offering.region.prefix):
        return _("This offering is for students of another area. Choose an offering near your child's school.")
    if not (offering.grade_min <= applicant.grade_level <= offering.grade_max):
        return _("This offering is not for your child's grade. Choose an offering for grade %(grade)s.") % {
            "grade": applicant.grade_level}
    if not offering.is_published:
        return _("This offering is not open for applications.")
    return None


def window_covers(window: ApplicationWindow, *, school_id: int, school_prefix: str) -> bool:
    """The window is the school's own, or a window for an area containing the school."""
    if window.school_id:
        return window.school_id == school_id
    return school_prefix.startswith(window.region.prefix)


def _windows_for_schools(school_ids) -> QuerySet[ApplicationWindow]:
    return ApplicationWindow.objects.filter(Q(school__in=school_ids) | Q(school__isnull=True)).select_related("region")


def window_open_for(*, offering: Offering, applicant: Applicant, now: datetime) -> ApplicationWindow:
    """The open window through which the child applies to ``offering``; else ValidationFailed
    saying when applications open (or that they are closed)."""
    windows = _windows_for_schools([applicant.school_id]).filter(term_id=offering.term_id)
    for window in windows.filter(opens_at__lte=now, closes_at__gt=now):
        if window_covers(window, school_id=applicant.school_id, school_prefix=applicant.school_prefix):
            return window
    upcoming = [w for w in windows.filter(opens_at__gt=now).order_by("opens_at")
                if window_covers(w, school_id=applicant.school_id, school_prefix=applicant.school_prefix)]
    if upcoming:
        msg = _("Applications open at %(time)s. Please come back then.") % {
            "time": timezone.localtime(upcoming[0].opens_at).strftime("%Y-%m-%d %H:%M")}
    else:
        msg = _("Applications for this offering are closed. Contact the school if your child still needs a place.")
    raise ValidationFailed(msg, fields={"offering": [msg]})


def offerings_open_to(*, children, now: datetime | None = None) -> dict[int, list[Offering]]:
    """Per child, the offerings they may apply for now, by the rules above. A fixed number of
    queries for any number of children: enrolments, open windows, offerings and their days."""
    now = now or timezone.now()
    result: dict[int, list[Offering]] = {c.pk: [] for c in children}
    enrolments = list(Enrolment.objects.filter(student_id__in=list(result)).select_related("school__region"))
    if not enrolments:
        return result
    schools = {e.school_id for e in enrolments}
    windows = list(_windows_for_schools(schools).filter(
        opens_at__lte=now, closes_at__gt=now, term__school_year__in={e.school_year for e in enrolments},
    ).select_related("term"))
    if not windows:
        return result
    offerings = list(
        Offering.objects.filter(term_id__in={w.term_id for w in windows}, is_published=True)
        .filter(Q(school__in=schools) | Q(school__isnull=True))
        .select_related("host", "term", "region").prefetch_related("days").order_by("kind", "start_time", "pk")
    )
    for enrolment in enrolments:
        applicant = Applicant.of_enrolment(enrolment)
        terms = {w.term_id for w in windows if w.term.school_year == enrolment.school_year
                 and window_covers(w, school_id=applicant.school_id, school_prefix=applicant.school_prefix)}
        result[enrolment.student_id] += [o for o in offerings if o.term_id in terms
                                         and offering_refusal(offering=o, applicant=applicant) is None]
    return result
