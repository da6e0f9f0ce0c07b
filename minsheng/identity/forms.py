"""Forms for sign-in, passwords, the second factor, family members and unmasking.

Forms only parse input; the services validate and decide. ``apply_errors``
puts a service's ValidationFailed messages next to the matching inputs.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import DomainError, ValidationFailed

from .models import RelationKind

# Messages the portal's profile page shows (kept here, in identity's catalogue).
REAL_NAME_REGISTERED = _("Your real-name data has been registered.")
FAMILY_MEMBER_ADDED = _("The family member has been added.")


def apply_errors(form: forms.Form, error: DomainError) -> None:
    field_messages = set()
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            field_messages.add(message)
    generic = str(ValidationFailed.default_message)
    if str(error.message) not in field_messages and (not error.fields or str(error.message) != generic):
        form.add_error(None, str(error.message))


class PasswordSignInForm(forms.Form):
    username = forms.CharField(label=_("Mobile number or username"), max_length=64)
    password = forms.CharField(label=_("Password"), max_length=128, widget=forms.PasswordInput)


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )


class OtpSignInForm(PhoneForm):
    code = forms.CharField(
        label=_("SMS code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    name = forms.CharField(
        label=_("Your name (first sign-in only)"),
        max_length=50,
        required=False,
        help_text=_("As on your ID card. Only needed the first time you sign in."),
    )


class PasswordResetForm(PhoneForm):
    code = forms.CharField(
        label=_("SMS code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password = forms.CharField(
        label=_("New password"), max_length=128, widget=forms.PasswordInput(render_value=False)
    )
    password_again = forms.CharField(
        label=_("New password again"), max_length=128, widget=forms.PasswordInput
    )


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=_("New password"), max_length=128, widget=forms.PasswordInput)
    password_again = forms.CharField(
        label=_("New password again"), max_length=128, widget=forms.PasswordInput
    )


class TotpForm(forms.Form):
    totp_code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RealNameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30)


class FamilyMemberForm(forms.Form):
    name = forms.CharField(label=_("Family member's name"), max_length=50)
    id_number = forms.CharField(label=_("Family member's resident ID number"), max_length=30)
    kind = forms.ChoiceField(
        label=_("I am their"),
        choices=[
            (RelationKind.GUARDIAN, _("guardian (e.g. of my child)")),
            (RelationKind.FAMILY, _("family member")),
            (RelationKind.AGENT, _("agent acting for them")),
        ],
    )
    detail = forms.CharField(
        label=_("Relation (e.g. son, daughter, mother)"), max_length=50, required=False
    )


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Number"),
        choices=[("id_number", _("resident ID number")), ("phone", _("mobile phone"))],
    )
    reason = forms.CharField(
        label=_("Reason for viewing the full number"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. checking an application in case 2026-0012")}),
    )


class StaffLinkForm(forms.Form):
    """A member of staff opening a sign-in link: the SMS code, then the password, twice."""

    code = forms.CharField(
        label=_("SMS code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password = forms.CharField(
        label=_("New password"), max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password and not like your name."),
    )
    password_again = forms.CharField(
        label=_("New password again"), max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
