"""A bare ``pytest`` (no MINSHENG_ENV in the environment) runs on the test settings: pytest-django
imports the module pyproject names before any conftest could set the variable."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_settings_pytest_imports_are_the_test_settings_without_minsheng_env():
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    module = ini["DJANGO_SETTINGS_MODULE"]
    env = {k: v for k, v in os.environ.items() if k not in ("MINSHENG_ENV", "DJANGO_SETTINGS_MODULE")}
    probe = f"import importlib; s = importlib.import_module({module!r}); print(s.MINSHENG_ENV, s.TESTING)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == ["test", "True"]
