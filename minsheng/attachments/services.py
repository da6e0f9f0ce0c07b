"""Storing uploads: size-check, parse (attachments.content), clean images, hash, save."""

import hashlib
import io
import os
import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from minsheng.audit.services import audit_record
from minsheng.core.errors import ValidationFailed

from .content import content_type_of, pdf_refuse_active_content, wrong_type
from .models import Attachment

DEFAULT_MAX_BYTES = settings.ATTACHMENT_MAX_BYTES
DEFAULT_TYPES = ("image/jpeg", "image/png", "application/pdf")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}


def _clean_image(data: bytes, content_type: str, *, field: str) -> bytes:
    """Re-encode: drops EXIF (GPS, camera, owner) and anything hidden after the image."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            # Apply the EXIF orientation to the pixels before the EXIF goes away.
            img = ImageOps.exif_transpose(img)
            out = io.BytesIO()
            if content_type == "image/jpeg":
                if img.mode not in ("RGB", "L"):
                    img = img.convert("RGB")
                img.save(out, format="JPEG", quality=88, optimize=True)
            else:
                if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    img = img.convert("RGBA")
                img.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed.for_field(
            field, _("This image is damaged or too large to open. Please upload another image.")
        ) from exc


def _read(file, max_bytes: int) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data


def attachment_store(
    *,
    file,
    owner=None,
    target=None,
    allowed_types: Sequence[str] = DEFAULT_TYPES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    name: str | None = None,
    field: str = "file",
) -> Attachment:
    """Check and store one upload. Refuses with a translated ValidationFailed on ``field``
    (the form or API field the file came in): too large, empty, not of an accepted type by
    its parsed content, damaged, or a PDF with active content."""
    data = _read(file, max_bytes)
    if len(data) > max_bytes:
        raise ValidationFailed.for_field(
            field,
            _("The file is larger than %(mb)s MB. Please upload a smaller file.")
            % {"mb": round(max_bytes / 1024 / 1024, 1)},
        )
    if not data:
        raise ValidationFailed.for_field(field, _("The file is empty. Please choose the file again."))
    content_type = content_type_of(data, field=field)
    if content_type not in allowed_types:
        raise wrong_type(field, ", ".join(TYPE_NAMES.get(t, t) for t in allowed_types))
    if content_type.startswith("image/"):
        data = _clean_image(data, content_type, field=field)
    else:
        pdf_refuse_active_content(data, field=field)
    original = os.path.basename(name or getattr(file, "name", "") or "file")[:200] or "file"
    now = timezone.localtime()
    stored_name = f"{now:%Y/%m}/{uuid.uuid4().hex}.{EXTENSIONS.get(content_type, 'bin')}"
    with transaction.atomic():
        attachment = Attachment(
            original_name=original,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            owner=owner if getattr(owner, "pk", None) else None,
        )
        if target is not None:
            attachment.target_type = ContentType.objects.get_for_model(target)
            attachment.target_id = str(target.pk)
        # The file is written first; a rolled-back transaction leaves an
        # unreferenced file, which is harmless (never served) and swept by
        # attachment_sweep_orphans.
        attachment.file.save(stored_name, ContentFile(data), save=False)
        attachment.save()
        audit_record(
            event_type="attachments.store",
            actor=owner,
            target=attachment,
            new={"sha256": attachment.sha256, "size": attachment.size, "type": content_type},
        )
    return attachment


def attachment_sweep_orphans(*, older_than_hours: int = 24) -> int:
    """Delete stored files that no Attachment row points to (left by rolled-back uploads)."""
    from django.core.files.storage import default_storage

    known = set(Attachment.objects.values_list("file", flat=True))
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    removed = 0

    def walk(path):
        dirs, files = default_storage.listdir(path)
        for d in dirs:
            yield from walk(f"{path}/{d}")
        for f in files:
            yield f"{path}/{f}"

    try:
        names = list(walk("attachments"))
    except (FileNotFoundError, NotImplementedError):
        return 0
    for name in names:
        if name in known:
            continue
        if default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            removed += 1
    return removed
