from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Actor (name, username or #id)"), required=False, max_length=150)
    event_type = forms.CharField(label=_("Event type (prefix, e.g. cases.)"), required=False, max_length=64)
    target_type = forms.CharField(label=_("Target type (e.g. cases.case)"), required=False, max_length=100)
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)
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
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles.order_by("code")
