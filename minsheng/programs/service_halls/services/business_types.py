"""City-wide business types (参保登记, 异地就医备案 …) and their ticket letters."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode

from ..models import BusinessType
from .checks import FieldErrors, text_ok

_PREFIX_RE = re.compile(r"^[A-Z]$")
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


# --- business types (city-wide) ------------------------------------------------------
def business_check(
    errors: FieldErrors, *, name: str, prefix: str, typical_minutes, order, exclude_pk=None,
) -> None:
    """The rules of a business type's fields (the services and the admin's form read them)."""
    text_ok(errors, "name", name, max_length=100, required=_("Enter the business's name."))
    if not _PREFIX_RE.match(prefix):
        errors.add("prefix", _("Enter one letter from A to Z as the ticket prefix."))
    else:
        taken = BusinessType.objects.filter(prefix=prefix).exclude(pk=exclude_pk).first()
        if taken is not None:
            errors.add("prefix", _("The letter %(prefix)s is already used by “%(name)s”. Choose another letter.")
                       % {"prefix": prefix, "name": taken.name})
    if not isinstance(typical_minutes, int) or not 1 <= typical_minutes <= 240:
        errors.add("typical_minutes", _("Enter the typical service time in minutes, from 1 to 240."))
    if not isinstance(order, int) or not 0 <= order <= 9999:
        errors.add("order", _("Enter the display order as a number from 0 to 9999."))


def _business_saved(save, prefix: str):
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as e:  # another change took the letter (or code) at the same moment
        raise Conflict(
            _("The letter %(prefix)s or this code was taken just now. Reload and choose another.")
            % {"prefix": prefix}, code=ErrorCode.DUPLICATE,
        ) from e


def business_type_create(
    *, code: str, name: str, prefix: str, typical_minutes: int, order: int = 100, is_active: bool = True,
    actor=None,
) -> BusinessType:
    code, name, prefix = (code or "").strip(), (name or "").strip(), (prefix or "").strip().upper()
    errors = FieldErrors()
    if not _CODE_RE.match(code):
        errors.add("code", _("Enter a code of 2 to 40 lower-case letters, digits and hyphens, e.g. insurance-registration."))
    elif BusinessType.objects.filter(code=code).exists():
        errors.add("code", _("The code “%(code)s” is already used. Choose another.") % {"code": code})
    business_check(errors, name=name, prefix=prefix, typical_minutes=typical_minutes, order=order)
    errors.raise_if_any()
    with transaction.atomic():
        biz = _business_saved(lambda: BusinessType.objects.create(
            code=code, name=name, prefix=prefix, typical_minutes=typical_minutes, order=order,
            is_active=is_active), prefix)
        audit_record(event_type="service_halls.business_type_create", actor=actor, target=biz,
                     new={"code": code, "name": name, "prefix": prefix, "typical_minutes": typical_minutes,
                          "order": order, "is_active": is_active})
    return biz


def business_type_update(
    *, business_type: BusinessType, name: str, prefix: str, typical_minutes: int, order: int,
    is_active: bool, actor=None,
) -> BusinessType:
    """Rename, reorder, retime, (de)activate, or give a business another letter.

    The code stays (it names the business in the API and in ratings). A new
    letter applies to numbers issued from now on: numbers already issued keep
    theirs, and the new letter continues that letter's count for the day
    (counters are per point, letter and day), so no number is ever issued twice."""
    name, prefix = (name or "").strip(), (prefix or "").strip().upper()
    errors = FieldErrors()
    business_check(errors, name=name, prefix=prefix, typical_minutes=typical_minutes, order=order,
                    exclude_pk=business_type.pk)
    errors.raise_if_any()
    fields = ("name", "prefix", "typical_minutes", "order", "is_active")
    old = {f: getattr(business_type, f) for f in fields}
    new = {"name": name, "prefix": prefix, "typical_minutes": typical_minutes, "order": order,
           "is_active": is_active}
    with transaction.atomic():
        for f, v in new.items():
            setattr(business_type, f, v)
        _business_saved(lambda: business_type.save(update_fields=list(fields)), prefix)
        audit_record(event_type="service_halls.business_type_update", actor=actor, target=business_type,
                     old={k: v for k, v in old.items() if new[k] != v},
                     new={k: v for k, v in new.items() if old[k] != v})
    return business_type
