"""Encryption at rest for personal numbers (PIPL, GB/T 35273).

AES-256-GCM (AEAD) with a random 96-bit nonce per value; the stored form is
``v1:`` + base64(nonce ‖ ciphertext ‖ tag). Lookup goes through a keyed hash
(HMAC-SHA256 with a second key), so a database dump alone reveals neither the
numbers nor a way to test guesses against them.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "v1:"


@lru_cache(maxsize=4)
def _aead(key_b64: str) -> AESGCM:
    key = base64.b64decode(key_b64)
    if len(key) != 32:
        raise ValueError("MINSHENG_FIELD_KEY must be 32 bytes, base64-encoded")
    return AESGCM(key)


def encrypt(plaintext: str) -> str:
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    sealed = _aead(settings.MINSHENG_FIELD_KEY).encrypt(
        nonce, plaintext.encode("utf-8"), b"minsheng"
    )
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted with a known scheme")
    raw = base64.b64decode(stored[len(PREFIX) :])
    try:
        return (
            _aead(settings.MINSHENG_FIELD_KEY)
            .decrypt(raw[:12], raw[12:], b"minsheng")
            .decode("utf-8")
        )
    except InvalidTag as exc:  # wrong key or tampered value: never return garbage
        raise ValueError("encrypted value failed authentication") from exc


def keyed_hash(value: str) -> str:
    key = base64.b64decode(settings.MINSHENG_HASH_KEY)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
