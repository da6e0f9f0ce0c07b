"""The forms of booking a visit and dispatching it (views/orders_book.py). As in forms.py, the
rules are the services' (services/booking.py, services/orders.py); these only offer the choices."""

from datetime import time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services.booking import SLOTS


class BookForm(forms.Form):
    offer = forms.ChoiceField(label=_("Service to book"))
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ChoiceField(label=_("Time slot"), choices=[(f"{s:%H:%M}", f"{s:%H:%M}") for s in SLOTS])

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = [
            (o.key, _("%(service)s — %(provider)s, %(price)s per %(unit)s")
             % {"service": o.service.label, "provider": o.provider_name, "price": f"¥{o.price:,.2f}",
                "unit": o.service.get_unit_display()})
            for o in offers
        ]
        self.fields["day"].widget.attrs["min"] = timezone.localdate().isoformat()

    def cleaned_offer(self) -> tuple[int, int]:
        provider_id, service_id = self.cleaned_data["offer"].split("-")
        return int(provider_id), int(service_id)

    def cleaned_slot(self) -> time:
        return time.fromisoformat(self.cleaned_data["slot"])


class ElderSearchForm(forms.Form):
    q = forms.CharField(label=_("Elder's name"), required=False)


class DispatchForm(forms.Form):
    caregiver = forms.ChoiceField(label=_("Caregiver"))

    def __init__(self, *args, caregivers, busy=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caregiver"].choices = [
            (c.pk, _("%(name)s (busy at this time)") % {"name": c.user.name} if c.pk in busy else c.user.name)
            for c in caregivers
        ]
