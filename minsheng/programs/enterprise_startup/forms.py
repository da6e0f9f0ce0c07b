"""The founder's and the officers' forms. They render the fields (labels, hints, errors at the
field, through the project's form renderer) and carry what was typed; the rules stay in the
services (``services/form.py``, ``services/names.py``), which name the field they refuse.
So every field here is an optional text field with the right widget: a form adds no rule
of its own, and ``place_errors`` puts each refusal of a service next to its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EnterpriseType, LicenceStatus

MAX_SHAREHOLDERS = 8  # the rows the people step reads (views.portal._step_data)


def _text(label, *, widget=None, help_text="", **attrs):
    widget = widget or forms.TextInput()
    widget.attrs.update(attrs)
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text, strip=False)


def _select(label, choices, **attrs):
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices, attrs=attrs))


def _check(label):
    return forms.BooleanField(label=label, required=False)


class NameForm(forms.Form):
    enterprise_type = _select(_("Enterprise type"), EnterpriseType.choices)
    region = _select(_("Division"), ())
    trade_name = _text(_("Trade name (at least two Chinese characters)"), maxlength=20, autocomplete="off")
    industry = _text(_("Industry or feature"), maxlength=12, help_text=_("In Chinese characters, for example technology, catering or trade."))
    org_form = _select(_("Organisational form"), ())
    restricted_note = _text(_("Note on restricted words (which approval you hold)"), widget=forms.Textarea(attrs={"rows": 2}), maxlength=500)
    pledge = _check(_("I pledge that the name is declared truthfully, does not infringe the rights of others, and I bear the legal responsibility for it."))

    def __init__(self, *args, counties=(), org_forms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.choices = [(c.code, c.name) for c in counties]
        self.fields["org_form"].widget.choices = [(f, f) for f in org_forms]


class TypeStepForm(forms.Form):
    enterprise_type = _select(_("Enterprise type"), EnterpriseType.choices)
    registered_capital = _text(_("Registered capital (yuan)"), inputmode="decimal", help_text=_("In yuan, for example 1000000 for one million yuan."))
    contribution_form = _select(_("Form of contribution"), ())
    paid_in_deadline = _text(_("Capital paid in by"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, contribution_forms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contribution_form"].widget.choices = list(contribution_forms)


class ShareholderForm(forms.Form):
    """One shareholder block; its prefix ``sh-<n>`` gives the names the step reads."""

    kind = _select(_("Shareholder is a"), [("person", _("natural person")), ("company", _("company"))])
    name = _text(_("Name"))
    id_number = _text(_("ID number (people)"), autocomplete="off")
    credit_code = _text(_("Credit code (companies)"), autocomplete="off")
    share_percent = _text(_("Share (%)"), inputmode="decimal")


class PersonForm(forms.Form):
    """A named officer (legal representative, liaison, finance officer, recipient); the
    prefix names the role, ``fields`` the parts asked for."""

    name = _text(_("Name"))
    id_number = _text(_("ID number"), autocomplete="off")
    phone = _text(_("Mobile phone"), inputmode="tel", autocomplete="tel")

    def __init__(self, *args, parts=("name", "id_number", "phone"), **kwargs):
        super().__init__(*args, **kwargs)
        for f in list(self.fields):
            if f not in parts:
                del self.fields[f]


class PeopleStepForm(forms.Form):
    directors = _text(_("Directors"), help_text=_("Separate several names with commas."))
    supervisors = _text(_("Supervisors"), help_text=_("Separate several names with commas."))
    manager = _text(_("Manager"))


class AddressStepForm(forms.Form):
    region_code = _select(_("Town or street"), ())
    street = _text(_("Street, number and room"), maxlength=120)
    proof_attachment = forms.CharField(required=False, widget=forms.HiddenInput)
    proof = forms.FileField(label=_("Proof of title or lease (PDF or photo)"), required=False,
                            widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
    pledge = _check(_("Instead of a proof, I declare that the address is real and lawfully usable (address self-declaration pledge)."))

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].widget.choices = [("", "—"), *((t.code, t.name) for t in towns)]


class ScopeStepForm(forms.Form):
    """The catalogue's checkboxes are listed by group in the template (one field, ``items``)."""

    items = forms.MultipleChoiceField(label=_("Business scope items"), required=False,
                                      widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    licence_ack = _check(_("I will carry on licensed activities only after the competent department has approved them."))

    def __init__(self, *args, catalogue=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(i.code, i.wording) for i in catalogue]


class ServicesStepForm(forms.Form):
    seal_shop = _select(_("Licensed seal shop"), ())
    seals = forms.MultipleChoiceField(label=_("Seals (first set free)"), required=False, widget=forms.CheckboxSelectMultiple)
    bank = _select(_("Bank for the account"), ())
    delivery_address = _text(_("Postal address"), maxlength=200)

    def __init__(self, *args, shops=(), banks=(), seal_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seal_shop"].widget.choices = [("", "—"), *((str(s.pk), s.name) for s in shops)]
        self.fields["bank"].widget.choices = [("", "—"), *((str(b.pk), b.name) for b in banks)]
        self.fields["seals"].choices = [(s, s) for s in seal_names]


def place_errors(errors: dict, *, step: str, main: forms.Form, groups: dict[str, forms.Form],
                 shareholders: list[forms.Form] = ()) -> list[str]:
    """Put a service's refusals (keys like ``people.legal_rep.name``,
    ``people.shareholders.2.share_percent``) on the field they name; what names no field
    shown here is returned for the top of the page."""
    loose: list[str] = []
    for key, messages in errors.items():
        path = key[len(step) + 1:].split(".") if key.startswith(step + ".") else [key]
        target = None
        if len(path) == 1 and path[0] in main.fields:
            target = (main, path[0])
        elif len(path) == 2 and path[0] in groups and path[1] in groups[path[0]].fields:
            target = (groups[path[0]], path[1])
        elif len(path) == 3 and path[0] == "shareholders" and path[1].isdigit() and int(path[1]) < len(shareholders):
            form = shareholders[int(path[1])]
            if path[2] in form.fields:
                target = (form, path[2])
        if target is None:
            loose.extend(str(m) for m in messages)
            continue
        form, field = target
        for m in messages:
            form.add_error(field, m)
    return loose


# --- the officers' pages ---------------------------------------------------------------------
_DEPARTMENT_FIELDS = {
    "public_security": ("seals", "filing_number"),
    "tax": ("taxpayer_type", "invoice"),
    "human_resources": ("social_insurance_number",),
    "medical_insurance": ("medical_insurance_number",),
    "housing_fund": ("housing_fund_account",),
    "bank": ("appointment_at", "account_number"),
}


class StepCompleteForm(forms.Form):
    """What a department records when it finishes its step; the fields are the department's."""

    seals = forms.MultipleChoiceField(label=_("Seals made"), required=False, widget=forms.CheckboxSelectMultiple)
    filing_number = _text(_("Seal filing number"))
    taxpayer_type = _select(_("Taxpayer type"), [("小规模纳税人", "小规模纳税人"), ("一般纳税人", "一般纳税人")])
    invoice = _text(_("Invoices"))
    social_insurance_number = _text(_("Social insurance registration number"))
    medical_insurance_number = _text(_("Medical insurance registration number"))
    housing_fund_account = _text(_("Housing fund account"))
    appointment_at = _text(_("Appointment"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    account_number = _text(_("Account number (if opened)"))
    comment = _text(_("Comment (required when refusing)"), widget=forms.Textarea(attrs={"rows": 3}), maxlength=2000)

    def __init__(self, *args, department: str, seal_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        keep = {*_DEPARTMENT_FIELDS.get(department, ()), "comment"}
        for f in list(self.fields):
            if f not in keep:
                del self.fields[f]
        if "seals" in self.fields:
            self.fields["seals"].choices = [(s, s) for s in seal_names]


def result_rows(result: dict) -> list[tuple[str, str]]:
    """A finished step's recorded result as labelled rows (never the raw dict)."""
    labels = {name: f.label for name, f in StepCompleteForm.base_fields.items()}
    labels |= {"credit_code": _("Unified social credit code"), "licence_serial": _("Licence serial number")}
    rows = []
    for key, value in (result or {}).items():
        shown = "、".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        rows.append((labels.get(key, _("Other")), shown))
    return rows


class DeliveryUpdateForm(forms.Form):
    state = _select(_("Delivery state"), ())
    carrier = _text(_("Carrier"))
    tracking_number = _text(_("Tracking number"))

    def __init__(self, *args, states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].widget.choices = list(states)


class VisitForm(forms.Form):
    reason = _text(_("Why the founder had to come"))


class LegacyCodeForm(forms.Form):
    credit_code = _text(_("Legacy unified social credit code"), maxlength=18, autocomplete="off")


class VerifyTextForm(forms.Form):
    document = _text(_("QR code text"), widget=forms.Textarea(attrs={"rows": 4}),
                     help_text=_("Paste the text read from the licence's QR code."))


class VerifyPdfForm(forms.Form):
    pdf = forms.FileField(label=_("Licence PDF"), required=False, widget=forms.FileInput(attrs={"accept": "application/pdf"}))



class LicenceStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened to the licence"),
        choices=[(LicenceStatus.CHANGED, LicenceStatus.CHANGED.label), (LicenceStatus.REVOKED, LicenceStatus.REVOKED.label)],
    )
    reason = forms.CharField(label=_("Reason (kept in the audit trail)"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
