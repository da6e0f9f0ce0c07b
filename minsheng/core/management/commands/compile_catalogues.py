"""Compile every zh_Hans .po to .mo with polib, so no gettext tools are needed to run."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without GNU gettext."

    def handle(self, *args, **options):
        root = Path(settings.BASE_DIR) / "minsheng"
        count = 0
        for po_path in root.rglob("locale/*/LC_MESSAGES/django.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            count += 1
        if count:
            forget_loaded_catalogues()
        self.stdout.write(f"compiled {count} catalogue(s)")


def forget_loaded_catalogues() -> None:
    """Make this process read the catalogues again, as Django does when LOCALE_PATHS change.

    Django keeps each language's catalogue once loaded. ``minsheng up`` compiles after
    migrating — which already loaded them, without the .mo files of a fresh clone — and
    then builds the demo in the same process: every case notice of the demo city showed
    its process and state names in English ("您的Enterprise start-up申请已提交")."""
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
