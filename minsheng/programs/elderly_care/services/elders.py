"""The elder registry: registering an elder for home care (or updating the registration)."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import ValidationFailed
from minsheng.identity.models import Person

from ..catalogue import ElderCategory
from ..models import Elder, LivingArrangement

VALID_CATEGORIES = set(ElderCategory.values)


def categories_clean(categories: Iterable[str]) -> list[str]:
    """The categories without repeats, or ValidationFailed naming the first unknown one."""
    categories = list(dict.fromkeys(categories))
    bad = [c for c in categories if c not in VALID_CATEGORIES]
    if bad:
        raise ValidationFailed.for_field(
            "categories",
            _("Choose categories from the list; %(bad)s is not one.") % {"bad": bad[0]},
        )
    return categories


def elder_register(
    *,
    person: Person,
    categories: Iterable[str],
    living_arrangement: str = LivingArrangement.SPOUSE,
    household: str = "",
    actor=None,
    region=None,
    address: str = "",
) -> Elder:
    """Register ``person`` for home care (or update the registration); the address given on the
    application, else the person's."""
    categories = categories_clean(categories)
    if living_arrangement not in LivingArrangement.values:
        raise ValidationFailed.for_field("living_arrangement", _("Choose a living arrangement."))
    region = region or person.residence_region
    if region is None:
        raise ValidationFailed.for_field(
            "region", _("Record where the elder lives (community) before registering them.")
        )
    with transaction.atomic():
        elder, created = Elder.objects.update_or_create(
            person=person,
            defaults={
                "region": region,
                "categories": categories,
                "living_arrangement": living_arrangement,
                "household": household or f"H{person.pk:010d}",
                "address": address or person.address,
                "latitude": person.latitude,
                "longitude": person.longitude,
            },
        )
        if created:
            elder.enrolled_on = timezone.localdate()
            elder.save(update_fields=["enrolled_on"])
        audit_record(
            event_type="elderly_care.elder_register" if created else "elderly_care.elder_update",
            actor=actor,
            target=elder,
            new={"categories": categories, "living_arrangement": living_arrangement},
        )
    return elder
