"""电子营业执照: canonical JSON, the platform's SM2 signatures, the QR code and the PDF.

The signed document is ``{"payload": {...}, "sig": "<base64 DER>"}`` in
canonical JSON (sorted keys, no spaces, UTF-8). The QR code is a URL of the
public verification page carrying that document (base64url in ``?d=``), so a
phone camera opens the check. The PDF carries the document as an embedded file
``licence.json`` and is itself signed as a whole: a detached SM2 signature over
every byte of the file is appended after its end as one line
``%MINSHENG-SM2-SIGNATURE <base64 DER>``. A changed, missing or added byte
anywhere fails verification.

Keys: production reads MINSHENG_SM2_PRIVATE_KEY (or ..._FILE) as
``<private hex>:<public hex>`` (64 + 128 hex digits); development writes a
key pair to VAR_DIR/keys/sm2.key on first use.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from gmssl_pyx import sm2_key_generate, sm2_sign, sm2_verify

from minsheng.core.secrets import env

ATTACHMENT_NAME = "licence.json"
FILE_SIGNATURE_PREFIX = b"\n%MINSHENG-SM2-SIGNATURE "
_BASE64 = re.compile(rb"[A-Za-z0-9+/]{40,200}={0,2}")
MARKER = b'{"payload":'


def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@lru_cache(maxsize=1)
def platform_keys() -> tuple[bytes, bytes]:
    """(private 32 bytes, public 64 bytes)."""
    raw = env("MINSHENG_SM2_PRIVATE_KEY", "")
    if not raw:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                "Set MINSHENG_SM2_PRIVATE_KEY (or MINSHENG_SM2_PRIVATE_KEY_FILE) to '<private hex>:<public hex>'."
            )
        path = Path(settings.VAR_DIR) / "keys" / "sm2.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            public, private = sm2_key_generate()
            path.write_text(f"{private.hex()}:{public.hex()}\n", encoding="utf-8")
            path.chmod(0o600)
        raw = path.read_text(encoding="utf-8")
    try:
        private_hex, public_hex = raw.strip().split(":")
        private, public = bytes.fromhex(private_hex), bytes.fromhex(public_hex)
    except ValueError:
        raise ImproperlyConfigured("The SM2 key must be '<private hex>:<public hex>'.") from None
    if len(private) != 32 or len(public) != 64:
        raise ImproperlyConfigured("The SM2 key must have a 32-byte private and 64-byte public part.")
    return private, public


def public_key_hex() -> str:
    return platform_keys()[1].hex()


def sign(payload: dict) -> str:
    private, public = platform_keys()
    return base64.b64encode(sm2_sign(private, public, canonical(payload))).decode()


def signed_document(payload: dict, signature: str) -> str:
    return canonical({"payload": payload, "sig": signature}).decode()


class VerifyError(ValueError):
    pass


def verify_url(base_url: str, payload: dict, signature: str) -> str:
    """The QR code's text: the verification page with the signed document in ``d``."""
    token = base64.urlsafe_b64encode(signed_document(payload, signature).encode()).rstrip(b"=")
    return f"{base_url}?d={token.decode()}"


def document_from_url_value(value: str) -> str:
    """The signed document from a ``d`` value: base64url (the QR code's URL) or, as printed
    on licences before it, the JSON text itself."""
    value = value.strip()
    if value.startswith("{"):
        return value
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""


def sign_file(data: bytes) -> bytes:
    """The file with the platform's detached SM2 signature over all its bytes appended."""
    private, public = platform_keys()
    signature = base64.b64encode(sm2_sign(private, public, data))
    return data + FILE_SIGNATURE_PREFIX + signature + b"\n"


class FileUnsigned(ValueError):
    """The file does not end in an intact platform signature line: cut short, or not ours."""


def file_signature_valid(data: bytes, *, public_key: bytes | None = None) -> bool:
    """Whether the signature at the end of ``data`` covers exactly the bytes before it.
    FileUnsigned when there is no well-formed signature line at the very end."""
    start = data.rfind(FILE_SIGNATURE_PREFIX)
    if start < 0 or not data.endswith(b"\n"):
        raise FileUnsigned("no signature line at the end")
    encoded = data[start + len(FILE_SIGNATURE_PREFIX) : -1]
    if not _BASE64.fullmatch(encoded):
        raise FileUnsigned("malformed signature line")
    key = public_key or platform_keys()[1]
    try:
        return bool(sm2_verify(key, data[:start], base64.b64decode(encoded)))
    except Exception:  # noqa: BLE001 — gmssl raises its own errors on malformed DER
        return False


def parse_document(text: str | bytes) -> tuple[dict, str]:
    """(payload, signature) from a QR text; VerifyError if it is not a signed licence."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise VerifyError("not utf-8") from None
    try:
        doc = json.loads(text)
    except (TypeError, ValueError):
        raise VerifyError("not json") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("payload"), dict):
        raise VerifyError("no payload")
    sig = doc.get("sig")
    if not isinstance(sig, str):
        raise VerifyError("no signature")
    return doc["payload"], sig


def signature_valid(payload: dict, signature: str, *, public_key: bytes | None = None) -> bool:
    try:
        sig = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    key = public_key or platform_keys()[1]
    try:
        return bool(sm2_verify(key, canonical(payload), sig))
    except Exception:  # noqa: BLE001 — gmssl raises its own errors on malformed DER
        return False


def qr_code(text: str):
    import segno

    return segno.make(text, error="m", micro=False)


def qr_svg(text: str) -> str:
    return qr_code(text).svg_inline(scale=2, dark="#000")


def render_pdf(*, payload: dict, signature: str, extra: dict, verify_base_url: str) -> bytes:
    """The licence PDF, signed as a whole (sign_file); its QR code opens the verify page."""
    import weasyprint

    document = signed_document(payload, signature)
    url = verify_url(verify_base_url, payload, signature)
    html = render_to_string(
        "enterprise_startup/licence_pdf.html",
        {"p": payload, "extra": extra, "qr": qr_svg(url), "document": document},
    )
    attachment = weasyprint.Attachment(
        string=document, base_url=str(settings.BASE_DIR), name=ATTACHMENT_NAME
    )
    pdf = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        attachments=[attachment]
    )
    return sign_file(pdf)


_STREAM_START = re.compile(rb"stream\r?\n")
MAX_EMBEDDED = 64 * 1024


def extract_from_pdf(data: bytes) -> str:
    """The signed document embedded in a licence PDF; VerifyError when there is none.

    Each stream is read from its start, not up to the next "endstream": compressed bytes may
    end in a carriage return or contain the word, so the zlib stream's own end is used."""
    if not data.startswith(b"%PDF"):
        raise VerifyError("not a pdf")
    for m in _STREAM_START.finditer(data):
        start = m.end()
        if data.startswith(MARKER, start):
            end = data.find(b"endstream", start)
            return data[start:end if end != -1 else None].rstrip(b"\r\n").decode("utf-8", errors="replace")
        try:
            inflated = zlib.decompressobj().decompress(data[start : start + 4 * MAX_EMBEDDED], MAX_EMBEDDED)
        except zlib.error:
            continue
        if inflated.startswith(MARKER):
            return inflated.decode("utf-8", errors="replace")
    raise VerifyError("no embedded licence")
