"""Schools' rosters: grades, classes, enrolments (with the family facts allocation and fees use), teachers."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel


class Grade(models.Model):
    """年级 — a grade of a school (1–6 primary, 7–9 junior secondary)."""

    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_grades",
    )
    level = models.PositiveSmallIntegerField(_("grade level"))
    name = models.CharField(_("name"), max_length=20)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["school_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["school", "level"], name="as_uniq_grade"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=9), name="as_grade_1_9"),
        ]

    def __str__(self) -> str:
        return self.name


class ClassGroup(models.Model):
    """班级 — a class of a grade in one school year (``school_year`` = the year it starts)."""

    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_classes",
    )
    grade = models.ForeignKey(
        Grade, verbose_name=_("grade"), on_delete=models.CASCADE, related_name="classes"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    number = models.PositiveSmallIntegerField(_("class number"))
    name = models.CharField(_("name"), max_length=30)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade__level", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade", "school_year", "number"], name="as_uniq_class"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FamilyCategory(models.TextChoices):
    NONE = "", _("none")
    DIBAO = "dibao", _("minimum living allowance (低保)")
    TEKUN = "tekun", _("extreme poverty support (特困)")
    LOW_INCOME = "low_income", _("low-income family (低收入)")
    ORPHAN = "orphan", _("orphan or de facto unsupported child")
    DISABLED = "disabled", _("family with a disabled member")
    MARTYR = "martyr", _("family of a martyr or serviceman")


class Enrolment(models.Model):
    """A student in a class for a school year, with the family facts that allocation and fees use."""

    student = models.ForeignKey(
        "identity.Person",
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="after_school_enrolments",
    )
    class_group = models.ForeignKey(
        ClassGroup, verbose_name=_("class"), on_delete=models.CASCADE, related_name="enrolments"
    )
    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_enrolments",
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    family_category = models.CharField(
        _("family category"),
        max_length=16,
        choices=FamilyCategory.choices,
        blank=True,
        default="",
    )
    dual_working = models.BooleanField(_("both parents working"), default=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="as_uniq_enrolment"),
        ]
        indexes = [models.Index(fields=["school", "school_year"])]

    def __str__(self) -> str:
        return f"{self.student_id} · {self.class_group_id}"


class Teacher(TimeStampedModel):
    """A teacher of a school, who may run after-school sessions."""

    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="after_school_teaching",
    )
    school = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="after_school_teachers",
    )
    subjects = models.CharField(_("subjects"), max_length=100, blank=True)
    party_member = models.BooleanField(_("Communist Party member"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        constraints = [
            models.UniqueConstraint(fields=["person", "school"], name="as_uniq_teacher"),
        ]

    def __str__(self) -> str:
        return str(self.person)
