"""Forms of the set-up pages (providers, contracts and prices, caregivers, devices).

A form reads what was typed into Python values; the rules are the services'
(services/providers, caregivers, device_registry), whose refusals ``errors_to_form`` shows
next to the fields they name."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import DomainError

from .models import ContractStatus, DeviceKind, DeviceVendor, Qualification, ServiceItem


def errors_to_form(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the fields it names, and its sentence on top unless it
    already stands next to a field."""
    placed = set()
    for field, messages in error.fields.items():
        for m in messages:
            if field in form.fields:
                form.add_error(field, m)
                placed.add(m)
            elif m != str(error.message):
                form.add_error(None, m)
    if str(error.message) not in placed:
        form.add_error(None, str(error.message))


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.code}）"


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def _reason(label):
    return forms.CharField(label=label, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Registered name"), max_length=200)
    region = RegionChoiceField(label=_("District or street where it is based"), queryset=None)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class ReasonForm(forms.Form):
    reason = _reason(_("Reason"))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label


class ContractForm(forms.Form):
    """A contract's terms; one optional price field per active service item (empty: not covered)."""

    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    region = RegionChoiceField(label=_("Region served"), queryset=None)
    number = forms.CharField(label=_("Contract number"), max_length=40)
    valid_from = _date(_("Valid from"))
    valid_to = _date(_("Valid to"))

    def __init__(self, *args, providers=None, regions=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("provider", "region", "number"):
                del self.fields[name]
        else:
            self.fields["provider"].queryset = providers
            self.fields["region"].queryset = regions
        self.items = list(ServiceItem.objects.filter(is_active=True).order_by("id"))
        for item in self.items:
            self.fields[f"price_{item.code}"] = forms.DecimalField(
                label=_("%(service)s, yuan per %(unit)s") % {"service": item.label, "unit": item.get_unit_display()},
                required=False, max_digits=8, decimal_places=2, min_value=0,
                help_text=_("Guide price %(price)s yuan; leave empty if not covered") % {"price": item.default_price},
            )

    def price_fields(self):
        return [self[f"price_{item.code}"] for item in self.items]

    def prices(self) -> dict:
        return {item: self.cleaned_data.get(f"price_{item.code}") for item in self.items}

    @classmethod
    def initial_prices(cls, prices_by_id: dict | None = None) -> dict:
        """Initial price fields: the contract's prices, or the guide prices for a new contract."""
        items = ServiceItem.objects.filter(is_active=True)
        if prices_by_id is None:
            return {f"price_{i.code}": i.default_price for i in items}
        return {f"price_{i.code}": prices_by_id[i.pk] for i in items if i.pk in prices_by_id}


class ContractStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ContractStatus.choices)
    reason = _reason(_("Reason"))


class CaregiverInviteForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    name = forms.CharField(label=_("Name"), max_length=50)
    qualification = forms.ChoiceField(label=_("Qualification"), choices=Qualification.choices,
                                      initial=Qualification.NONE)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)
    certificate_valid_to = _date(_("Certificate valid to"), required=False)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        only = list(providers[:2])
        if len(only) == 1:
            self.fields["provider"].initial = only[0].pk
            self.fields["provider"].widget = forms.HiddenInput()


class CaregiverForm(forms.Form):
    qualification = forms.ChoiceField(label=_("Qualification"), choices=Qualification.choices)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)
    certificate_valid_to = _date(_("Certificate valid to"), required=False)


class DeviceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=DeviceKind.choices)
    imei = forms.CharField(label=_("Serial number / IMEI"), max_length=40)
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=DeviceVendor.objects.order_by("name"))
    installed_on = _date(_("Installed on"))
    secret = forms.CharField(
        label=_("Device secret"), max_length=200, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Only if the device signs its messages with its own secret; otherwise the vendor's is used."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("installed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
