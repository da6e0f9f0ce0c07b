"""What an upload is, decided by parsing it: Pillow for images, pypdf for PDFs.

First bytes only say what a file claims to be: a file that starts ``%PDF-`` and
goes on as HTML is not a PDF, and a real PDF may carry JavaScript, an action run
on opening, a program to launch or embedded files. Such active content is
refused rather than stored; every refusal says, in the user's language, which
field and why.
"""

import io
import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from minsheng.core.errors import ValidationFailed

# pypdf logs every repair it makes of a broken file; a refusal says it to the user instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
PDF = "application/pdf"

# Keys that make a PDF do something besides being displayed.
ACTIVE_KEYS = {
    "/JS": gettext_lazy("JavaScript"),
    "/JavaScript": gettext_lazy("JavaScript"),
    "/AA": gettext_lazy("automatic actions"),
    "/Launch": gettext_lazy("a program launch"),
    "/EmbeddedFile": gettext_lazy("embedded files"),
    "/EmbeddedFiles": gettext_lazy("embedded files"),
    "/RichMedia": gettext_lazy("embedded media"),
    "/XFA": gettext_lazy("an XFA form"),
}
ACTIVE_ACTIONS = {"/JavaScript": gettext_lazy("JavaScript"), "/Launch": gettext_lazy("a program launch"), "/ImportData": gettext_lazy("a data import")}
MAX_OBJECTS = 200_000  # a walk over more objects than this is refused as too complex


def content_type_of(data: bytes, *, field: str) -> str:
    """The type the content parses as ("image/jpeg", "image/png", "application/pdf");
    ValidationFailed on ``field`` when it parses as none of them."""
    image_type = _image_type(data)
    if image_type:
        return image_type
    if _is_pdf(data):
        return PDF
    raise wrong_type(field)


def wrong_type(field: str, allowed: str = "") -> ValidationFailed:
    message = (
        _("This file is not a %(types)s file (its content says otherwise). Please upload one of: %(types)s.")
        % {"types": allowed}
        if allowed
        else _("The content of this file is not an image or a PDF we can open. Please upload a JPEG, PNG or PDF file.")
    )
    return ValidationFailed.for_field(field, message)


def _image_type(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind = IMAGE_FORMATS.get(img.format or "")
            if kind:
                img.verify()  # walks the chunks/segments; the pixels are decoded when cleaned
            return kind
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data), strict=True)


def _is_pdf(data: bytes) -> bool:
    try:
        reader = _reader(data)
        return len(reader.pages) > 0
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return False


def pdf_refuse_active_content(data: bytes, *, field: str) -> None:
    """ValidationFailed on ``field`` naming what a PDF would run or carry, if anything."""
    reader = _reader(data)
    found = _active_content(reader)
    if found:
        raise ValidationFailed.for_field(
            field,
            _(
                "This PDF contains active content (%(what)s), which is not accepted. Print it to a "
                "new PDF (\"Save as PDF\") and upload that file."
            )
            % {"what": found},
        )


def _active_content(reader: PdfReader) -> str:
    """The first kind of active content reachable from the document's trailer, or ""."""
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    walked = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            try:
                node = node.get_object()
            except (PyPdfError, ValueError, KeyError, TypeError, RecursionError):
                continue
        walked += 1
        if walked > MAX_OBJECTS:
            return _("too many objects to check")
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in ACTIVE_KEYS:
                    return str(ACTIVE_KEYS[key])
                if key == "/OpenAction":
                    opening = _opening_action(value)
                    if opening:
                        return opening
                if key == "/S" and isinstance(value, NameObject) and value in ACTIVE_ACTIONS:
                    return str(ACTIVE_ACTIONS[value])
                if key == "/Parent":  # pages point back up the tree; everything is reached downwards
                    continue
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return ""


def _opening_action(value) -> str:
    """What an /OpenAction runs; "" for a destination (page, fit) or a jump within the file."""
    try:
        value = value.get_object()
    except AttributeError:
        pass
    if not isinstance(value, DictionaryObject):
        return ""
    kind = value.get("/S")
    if kind in ACTIVE_ACTIONS:
        return str(ACTIVE_ACTIONS[kind])
    return "" if kind == "/GoTo" else _("an action run on opening")
