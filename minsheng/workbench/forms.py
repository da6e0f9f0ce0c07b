from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from minsheng.access.departments import DEPARTMENTS
from minsheng.access.models import OrganisationKind


def _module_choices():
    """Each platform module as an event-type prefix ("cases." finds every case event)."""
    configs = [c for c in apps.get_app_configs() if c.name.startswith("minsheng.")]
    return [("", _("Any module"))] + sorted(((f"{c.label}.", str(c.verbose_name)) for c in configs), key=lambda c: c[1])


def _record_choices():
    models = [m for m in apps.get_models() if m.__module__.startswith("minsheng.")]
    choices = [
        (m._meta.label_lower, f"{m._meta.app_config.verbose_name} · {m._meta.verbose_name}") for m in models
    ]
    return [("", _("Any kind of record"))] + sorted(choices, key=lambda c: c[1])


class AuditSearchForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"), required=False, max_length=150, help_text=_("A name, a username, or # and the account number.")
    )
    event_type = forms.ChoiceField(label=_("Module"), required=False, choices=_module_choices)
    target_type = forms.ChoiceField(label=_("Kind of record"), required=False, choices=_record_choices)
    target_id = forms.CharField(label=_("Record number"), required=False, max_length=64)
    since = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To (date, inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date. Swap the two dates."))
        return data


class _RoleFields(forms.Form):
    """A role at (organisation, region subtree), the organisation among those the admin runs."""

    role = forms.ModelChoiceField(label=_("Role"), queryset=None, empty_label=None)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    region = forms.CharField(
        label=_("Region code (blank: the organisation's own region)"), required=False, max_length=12
    )

    def __init__(self, *args, organisations, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("name")
        self.fields["role"].queryset = roles.order_by("code")


class StaffInviteForm(_RoleFields):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    name = forms.CharField(label=_("Full name (for a new account)"), max_length=100)

    field_order = ["phone", "name", "role", "organisation", "region"]


class StaffRoleForm(_RoleFields):
    pass


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or username"), required=False, max_length=100)
    role = forms.ModelChoiceField(label=_("Role"), queryset=None, required=False)
    organisation = forms.CharField(label=_("Organisation name contains"), required=False, max_length=100)

    def __init__(self, *args, roles, **kwargs):
        # Its own ids: the invite form on the same page has fields of the same names.
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles.order_by("code")


class OrganisationForm(forms.Form):
    """An organisation's set-up: what it is, where it sits and under whom."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    department_code = forms.ChoiceField(
        label=_("Department"), required=False,
        help_text=_("Processes send their steps to the department of this kind in the applicant's region."),
    )
    parent = forms.ModelChoiceField(label=_("Under (parent organisation)"), queryset=None, required=False)
    region = forms.CharField(
        label=_("Region code (blank: the parent's region)"), required=False, max_length=12
    )
    credit_code = forms.CharField(label=_("Unified social credit code"), required=False, max_length=18)
    address = forms.CharField(label=_("Office address"), required=False, max_length=200)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, organisations, editing: bool = False, current_department: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = organisations.select_related("region").order_by("region__code", "name")
        self.fields["parent"].label_from_instance = lambda o: f"{o.name}（{o.region.name}）"
        choices = [("", _("None"))] + [(code, title) for code, title in DEPARTMENTS.items()]
        if current_department and current_department not in DEPARTMENTS:
            choices.append((current_department, current_department))
        self.fields["department_code"].choices = choices
        if not editing:
            del self.fields["is_active"]

    def clean(self):
        data = super().clean()
        if not data.get("region") and not data.get("parent"):
            self.add_error("region", _("Enter the region code, or choose the parent organisation."))
        return data


class OrganisationFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        # Its own ids: the create form on the same page has fields of the same names.
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)

    q = forms.CharField(label=_("Name contains"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind"))] + list(OrganisationKind.choices))
