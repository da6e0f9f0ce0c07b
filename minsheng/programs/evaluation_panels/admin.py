"""Back office (/admin/) for the program's city-wide reference data: project categories and the
scoring rubrics with their criteria. Every change writes the audit trail (AuditedAdmin).

A rubric an evaluation has used is frozen (its criteria can be neither changed, added nor
deleted), so published scores keep the weights they were computed with.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from minsheng.audit.admin import AuditedAdmin

from .models import Category, Criterion, Rubric
from .selectors import rubric_in_use


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("name", "order")
    list_editable = ("order",)
    search_fields = ("name",)


class RubricForm(forms.ModelForm):
    class Meta:
        model = Rubric
        fields = ("name", "is_default")

    def clean_is_default(self):
        is_default = self.cleaned_data["is_default"]
        other = Rubric.objects.filter(is_default=True).exclude(pk=self.instance.pk).first()
        if is_default and other is not None:
            raise forms.ValidationError(
                _("“%(name)s” is already the default rubric. Untick its default box first, then make this one the default.")
                % {"name": other.name}
            )
        return is_default


class CriterionInline(admin.TabularInline):
    """The rubric's criteria at a glance; each is edited on its own page, where the change is audited."""

    model = Criterion
    fields = ("order", "name", "weight", "max_score")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rubric)
class RubricAdmin(AuditedAdmin):
    form = RubricForm
    list_display = ("name", "is_default")
    inlines = [CriterionInline]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and rubric_in_use(rubric=obj))


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ("rubric", "name", "weight", "max_score", "order")

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and weight <= 0:
            raise forms.ValidationError(_("Give the criterion a weight greater than 0."))
        return weight

    def clean_max_score(self):
        max_score = self.cleaned_data["max_score"]
        if max_score is not None and max_score < 1:
            raise forms.ValidationError(_("The highest score must be at least 1."))
        return max_score

    def clean_rubric(self):
        rubric = self.cleaned_data["rubric"]
        if rubric is not None and rubric_in_use(rubric=rubric):
            raise forms.ValidationError(
                _("This rubric has been used in an evaluation, so its criteria cannot change. Create a new rubric instead.")
            )
        return rubric


@admin.register(Criterion)
class CriterionAdmin(AuditedAdmin):
    form = CriterionForm
    list_display = ("name", "rubric", "weight", "max_score", "order")
    list_filter = ("rubric",)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and rubric_in_use(rubric=obj.rubric))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and rubric_in_use(rubric=obj.rubric))
