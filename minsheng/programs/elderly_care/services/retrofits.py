"""Age-friendly home retrofits (适老化改造, 一户一档): the household's file, the proposed items
from the national list, approval, before/after photos of the works, acceptance and subsidy."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.attachments.services import attachment_store
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from ..catalogue import BASIC, RETROFIT_ITEMS
from ..models import RetrofitFile, RetrofitItem, RetrofitPhoto, RetrofitStatus

PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MAX_BYTES = 8 * 1024 * 1024


def retrofit_open(*, elder, assessment: str, actor=None) -> RetrofitFile:
    """Open the household's file (one per household number)."""
    if not (elder.household or "").strip():
        raise ValidationFailed.for_field(
            "elder",
            _("The elder's household number is not recorded. Record it on the elder's file, then open the retrofit file."),
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                file = RetrofitFile.objects.create(
                    elder=elder,
                    household=elder.household,
                    region_id=elder.region_id,
                    assessment=assessment,
                )
        except IntegrityError:
            raise Conflict(
                _("This household already has a retrofit file; add to that one."), code="duplicate"
            ) from None
        audit_record(event_type="elderly_care.retrofit_open", actor=actor, target=file)
    return file


def retrofit_propose(
    *, file: RetrofitFile, items: dict[str, tuple[int, Decimal]], actor=None
) -> RetrofitFile:
    """Set the proposed items (code -> (quantity, cost)); the subsidy covers basic items."""
    bad = [c for c in items if c not in RETROFIT_ITEMS]
    if bad or not items:
        raise ValidationFailed.for_field(
            "items", _("Choose items from the national retrofit list.")
        )
    with transaction.atomic():
        file = RetrofitFile.objects.select_for_update().get(pk=file.pk)
        if file.status not in (RetrofitStatus.ASSESSING, RetrofitStatus.PROPOSED):
            raise Conflict(
                _("The items can no longer be changed after approval."), code="state_changed"
            )
        file.items.all().delete()
        RetrofitItem.objects.bulk_create(
            [
                RetrofitItem(file=file, code=c, quantity=q, cost=cost)
                for c, (q, cost) in items.items()
            ]
        )
        file.subsidy = sum(
            (cost for c, (_q, cost) in items.items() if RETROFIT_ITEMS[c][2] == BASIC), Decimal(0)
        )
        file.status = RetrofitStatus.PROPOSED
        file.save(update_fields=["subsidy", "status", "updated_at"])
        audit_record(
            event_type="elderly_care.retrofit_propose",
            actor=actor,
            target=file,
            new={"items": sorted(items), "subsidy": str(file.subsidy)},
        )
    return file


_RETROFIT_NEXT = {
    "approve": (RetrofitStatus.PROPOSED, RetrofitStatus.APPROVED),
    "start": (RetrofitStatus.APPROVED, RetrofitStatus.WORKS),
    "accept": (RetrofitStatus.WORKS, RetrofitStatus.ACCEPTED),
    "pay": (RetrofitStatus.ACCEPTED, RetrofitStatus.SUBSIDISED),
}


def retrofit_advance(*, file: RetrofitFile, action: str, actor) -> RetrofitFile:
    """approve → start works → accept (needs before and after photos) → pay the subsidy."""
    if action not in _RETROFIT_NEXT:
        raise ValidationFailed.for_field("action", _("Unknown step."))
    source, target = _RETROFIT_NEXT[action]
    with transaction.atomic():
        file = RetrofitFile.objects.select_for_update().get(pk=file.pk)
        if file.status != source:
            raise Conflict(
                _("This step is not possible now: the file is at “%(status)s”.")
                % {"status": file.get_status_display()},
                code="state_changed",
            )
        if action == "accept":
            phases = set(file.photos.values_list("phase", flat=True))
            if phases != {"before", "after"}:
                raise ValidationFailed.for_field(
                    "photos", _("Add photos from before and after the works before acceptance.")
                )
        now = timezone.now()
        file.status = target
        fields = ["status", "updated_at"]
        if action == "approve":
            file.approved_by, file.approved_at = actor, now
            fields += ["approved_by", "approved_at"]
        elif action == "accept":
            file.accepted_at = now
            fields.append("accepted_at")
            file.items.update(done=True)
        elif action == "pay":
            file.subsidy_paid_at = now
            fields.append("subsidy_paid_at")
        file.save(update_fields=fields)
        audit_record(
            event_type=f"elderly_care.retrofit_{action}",
            actor=actor,
            target=file,
            old={"status": source},
            new={"status": target},
        )
    return file


def retrofit_cost(file: RetrofitFile) -> Decimal:
    return file.items.aggregate(s=Sum("cost"))["s"] or Decimal(0)


def retrofit_add_photo(*, file: RetrofitFile, phase: str, upload, actor, item=None):
    """A photo of the works, before or after; only while the file is approved or under works."""
    if phase not in ("before", "after"):
        raise ValidationFailed.for_field(
            "phase", _("Choose whether the photo is from before or after the works.")
        )
    with transaction.atomic():
        locked = RetrofitFile.objects.select_for_update().get(pk=file.pk)
        if locked.status not in (RetrofitStatus.APPROVED, RetrofitStatus.WORKS):
            raise Conflict(
                _(
                    "Photos of the works can be added once the file is approved and until acceptance."
                ),
                code="state_changed",
            )
        if item is not None and item.file_id != locked.pk:
            raise ValidationFailed.for_field("item", _("Choose an item of this file."))
        attachment = attachment_store(
            file=upload,
            owner=actor,
            target=locked,
            allowed_types=PHOTO_TYPES,
            max_bytes=PHOTO_MAX_BYTES,
            field="photo",
        )
        photo = RetrofitPhoto.objects.create(
            file=locked, item=item, phase=phase, attachment=attachment
        )
        audit_record(
            event_type="elderly_care.retrofit_photo",
            actor=actor,
            target=locked,
            new={"phase": phase},
        )
    return photo
