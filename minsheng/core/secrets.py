"""Secrets and environment values.

Real secrets come from the environment, or from a file named by ``NAME_FILE``
(Docker/Kubernetes secrets). In development the first command writes random
keys to ``var/secrets.json`` (git-ignored) so a fresh checkout just runs; in
production a missing secret stops the process at start-up.
"""

import base64
import json
import os
import secrets as _random
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SECRET_NAMES = ("SECRET_KEY", "MINSHENG_FIELD_KEY", "MINSHENG_HASH_KEY")


def env(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "")
    if value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _new_secret(name: str) -> str:
    if name == "SECRET_KEY":
        return _random.token_urlsafe(50)
    # 32 random bytes, base64: an AES-256 key or an HMAC key.
    return base64.b64encode(_random.token_bytes(32)).decode()


def load_secrets(*, var_dir: Path, production: bool) -> dict[str, str]:
    values = {name: env(name, "") for name in SECRET_NAMES}
    missing = [name for name, value in values.items() if not value]
    if not missing:
        return values
    if production:
        raise ImproperlyConfigured(
            "Production needs real secrets; set "
            + ", ".join(missing)
            + " (or the same names with _FILE) in the environment."
        )
    dev_file = var_dir / "secrets.json"
    stored: dict[str, str] = {}
    if dev_file.exists():
        stored = json.loads(dev_file.read_text(encoding="utf-8"))
    changed = False
    for name in missing:
        if not stored.get(name):
            stored[name] = _new_secret(name)
            changed = True
        values[name] = stored[name]
    if changed:
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = dev_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(dev_file)
    return values
