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

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.refusals import scoped_gate
from minsheng.core.errors import NotAllowed, ValidationFailed
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
    """The children ``user`` is a current guardian of (one query; their names, not their
    encrypted identity numbers)."""
    if not user.is_authenticated:
        return []
    in_care = guardian_relations().filter(person__user=user).values("relative_id")
    return list(Person.objects.filter(pk__in=in_care).only("name", "birth_date", "user_id").order_by("birth_date", "id"))


def guardian_users_of(*, student_id: int) -> list:
    """The accounts of the child's current guardians (whom notices about the child go to)."""
    relations = guardian_relations().filter(relative_id=student_id, person__user__isnull=False)
    return [r.person.user for r in relations.select_related("person__user")]


@dataclass(frozen=True)
class Applicant:
    """A child as an application sees them. ``guardian_id``: the caller's person when a current
    guardian (``applicant_get`` refuses anyone else), else None; the enrolment fields are None when the child is not on a roll that year."""

    student_id: int
    guardian_id: int | None
    enrolment_id: int | None
    school_id: int | None
    grade_level: int | None
    family_category: str
    dual_working: bool
    school_prefix: str
    has_clash: bool = False  # another active application at overlapping hours (applicant_get's clashes)

    @classmethod
    def of_enrolment(cls, enrolment: Enrolment, *, guardian_id: int | None = None) -> "Applicant":
        return cls(student_id=enrolment.student_id, guardian_id=guardian_id, enrolment_id=enrolment.pk,
                   school_id=enrolment.school_id, grade_level=enrolment.grade_level,
                   family_category=enrolment.family_category, dual_working=enrolment.dual_working,
                   school_prefix=enrolment.school.region.prefix)


@scoped_gate(model="identity.person", id_arg="student_id", action="apply", refuses_with_none=True)
def applicant_get(*, user, student_id: int, school_year: int, clashes=None) -> Applicant | None:
    """The child ``student_id`` for ``user`` applying in ``school_year`` (one query); None when
    there is no such person, NotAllowed (403) when ``user`` is not the child's current guardian.
    The access gate of every child-scoped action: each refusal is audited (access.refusals).
    ``clashes``: rows (with ``OuterRef("pk")`` for the child) whose existence the same query
    reports as ``Applicant.has_clash`` (the submit's overlapping-hours rule)."""
    guardian = guardian_relations().filter(person__user=user, relative=OuterRef("pk")).order_by("pk")
    row = (
        Person.objects.filter(pk=student_id)
        .annotate(
            guardian_id=Subquery(guardian.values("person_id")[:1]),
            enrolment=FilteredRelation(
                "after_school_enrolments", condition=Q(after_school_enrolments__school_year=school_year)),
            has_clash=Exists(clashes) if clashes is not None else Value(False),
        )
        .values_list("guardian_id", "enrolment__id", "enrolment__school_id", "enrolment__grade_level",
                     "enrolment__family_category", "enrolment__dual_working", "enrolment__school__region__prefix",
                     "has_clash")
        .first()
    )
    if row is None:
        return None
    guardian_id, enrolment_id, school_id, grade, category, dual, prefix, has_clash = row
    if guardian_id is None:
        raise NotAllowed(_(
            "You can apply only for a child in your care. Ask the school to record you as the child's guardian."))
    return Applicant(student_id=student_id, guardian_id=guardian_id, enrolment_id=enrolment_id,
                     school_id=school_id, grade_level=grade, family_category=category or "",
                     dual_working=bool(dual), school_prefix=prefix or "", has_clash=bool(has_clash))


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


def window_covers(*, window_school_id: int | None, window_prefix: str, school_id: int, school_prefix: str) -> bool:
    """A window is the school's own, or a window for an area containing the school."""
    if window_school_id:
        return window_school_id == school_id
    return school_prefix.startswith(window_prefix)


def with_open_windows(offerings: QuerySet[Offering], *, now: datetime, schools=None) -> QuerySet[Offering]:
    """``offerings`` (with term and region), one row per window of their term open at ``now``
    that is an area's or a school's own — one of ``schools`` (ids), or when None the offering's
    school —, each annotated ``window_id``, ``window_school_id`` and ``window_prefix``: an
    offering and the windows it may be applied through, in one query (other schools' windows,
    which may be hundreds, are not joined)."""
    own = Q(term__windows__school=F("school")) if schools is None else Q(term__windows__school__in=schools)
    return offerings.select_related("term", "region").annotate(
        open_window=FilteredRelation("term__windows", condition=Q(
            term__windows__opens_at__lte=now, term__windows__closes_at__gt=now,
        ) & (Q(term__windows__school__isnull=True) | own)),
        window_id=F("open_window__id"), window_school_id=F("open_window__school_id"),
        window_prefix=F("open_window__region__prefix"),
    ).filter(window_id__isnull=False)


def school_window(*, offering: Offering, applicant: Applicant, now: datetime) -> int | None:
    """For an area's offering, the child's school's own window open now (``with_open_windows``
    joined only the areas' windows: the child's school was not known yet)."""
    return (ApplicationWindow.objects.filter(term_id=offering.term_id, school_id=applicant.school_id,
                                             opens_at__lte=now, closes_at__gt=now)
            .values_list("pk", flat=True).first())


def window_for(rows: list[Offering], *, applicant: Applicant) -> int | None:
    """Of ``with_open_windows`` rows of one offering, the window covering the child's school."""
    for row in rows:
        if window_covers(window_school_id=row.window_school_id, window_prefix=row.window_prefix,
                         school_id=applicant.school_id, school_prefix=applicant.school_prefix):
            return row.window_id
    return None


def window_closed(*, offering: Offering, applicant: Applicant, now: datetime) -> ValidationFailed:
    """The refusal when no window covering the child's school is open: when the next one opens,
    or that applications are closed."""
    upcoming = [w for w in ApplicationWindow.objects.filter(term_id=offering.term_id, opens_at__gt=now)
                .select_related("region").order_by("opens_at")
                if window_covers(window_school_id=w.school_id, window_prefix=w.region.prefix,
                                 school_id=applicant.school_id, school_prefix=applicant.school_prefix)]
    if upcoming:
        msg = _("Applications open at %(time)s. Please come back then.") % {
            "time": timezone.localtime(upcoming[0].opens_at).strftime("%Y-%m-%d %H:%M")}
    else:
        msg = _("Applications for this offering are closed. Contact the school if your child still needs a place.")
    return ValidationFailed(msg, fields={"offering": [msg]})


def offerings_open_to(*, children, now: datetime | None = None) -> dict[int, list[Offering]]:
    """Per child, the offerings they may apply for now, by the rules above. A fixed number of
    queries for any number of children: enrolments, offerings with their open windows, their days."""
    now = now or timezone.now()
    result: dict[int, list[Offering]] = {c.pk: [] for c in children}
    enrolments = list(Enrolment.objects.filter(student_id__in=list(result)).select_related("school__region"))
    if not enrolments:
        return result
    schools = {e.school_id for e in enrolments}
    rows = list(with_open_windows(
        Offering.objects.filter(is_published=True, term__school_year__in={e.school_year for e in enrolments})
        .filter(Q(school__in=schools) | Q(school__isnull=True)), now=now, schools=schools,
    ).select_related("host").prefetch_related("days").order_by("kind", "start_time", "pk"))
    for enrolment in enrolments:
        applicant = Applicant.of_enrolment(enrolment)
        seen = set()
        for row in rows:
            if (row.pk not in seen and row.term.school_year == enrolment.school_year
                    and window_for([row], applicant=applicant) is not None
                    and offering_refusal(offering=row, applicant=applicant) is None):
                seen.add(row.pk)
                result[enrolment.student_id].append(row)
    return result
