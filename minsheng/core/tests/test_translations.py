"""The zh-Hans catalogue is complete: every translatable string has a Chinese translation.

For each catalogue, extract the strings afresh from a copy of its source tree
(makemessages, so nothing in the work tree changes) and fail on any message
that is missing, untranslated or fuzzy.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MINSHENG = ROOT / "minsheng"


def catalogue_dirs() -> list[Path]:
    """Every minsheng app (each owns a catalogue in its locale/), plus minsheng/ for the shared templates."""
    from django.apps import apps

    dirs = {Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(MINSHENG)}
    return sorted(dirs | {MINSHENG})


def nested_catalogue_ignores(app_dir: Path, all_dirs: list[Path]) -> list[str]:
    """A nested app (one app inside another) has its own catalogue: leave it out of the parent's."""
    ignore = []
    for other in all_dirs:
        if other != app_dir and other.is_relative_to(app_dir):
            ignore += ["--ignore", f"{other.relative_to(app_dir)}/*"]
    return ignore


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy). Plural forms count as translated when msgstr[0] is."""
    entries: dict[str, tuple[str, bool]] = {}
    fuzzy = False
    msgid = msgstr = None
    field = None
    def flush():
        if msgid:
            entries[msgid] = (msgstr or "", fuzzy)
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            msgid, msgstr, field = eval(line[6:]), None, "id"  # noqa: S307 - a PO string literal
        elif line.startswith("msgid_plural"):
            field = "plural"
        elif line.startswith(("msgstr ", "msgstr[0]")):
            msgstr, field = eval(line.split(" ", 1)[1]), "str"  # noqa: S307
        elif line.startswith("msgstr["):
            field = "other"
        elif line.startswith('"'):
            if field == "id":
                msgid += eval(line)  # noqa: S307
            elif field == "str":
                msgstr += eval(line)  # noqa: S307
        elif not line.strip():
            flush()
            msgid = msgstr = None
            fuzzy = False
            field = None
    return entries


@pytest.mark.parametrize("app_dir", catalogue_dirs(), ids=lambda p: str(p.relative_to(MINSHENG)))
def test_catalogue_is_complete(app_dir, tmp_path):
    assert shutil.which("xgettext"), "gettext is needed to extract messages; ./run tests installs it"
    copy = tmp_path / app_dir.name
    shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__", "locale_unused"))
    ignore = nested_catalogue_ignores(app_dir, catalogue_dirs())
    if app_dir == MINSHENG:  # the shared templates only; every app has its own catalogue
        ignore += [a for p in app_dir.iterdir() if p.is_dir() and p.name not in ("templates", "locale") for a in ("--ignore", f"{p.name}/*")]
    subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location", *ignore],
        cwd=copy, check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT), "MINSHENG_ENV": "test"},
    )
    po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = parse_po(po) if po.exists() else {}  # no po: the app has no translatable text
    missing = [m for m, (s, fuzzy) in entries.items() if not s or fuzzy]
    assert not missing, f"{len(missing)} untranslated or fuzzy in {app_dir.name}: {missing[:20]}"


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext", "npgettext", "pgettext_lazy", "ngettext_lazy"}


def gettext_calls_inside_fstrings(source: str) -> list[int]:
    """Line numbers of ``_("…")`` written inside an f-string's braces: xgettext does not
    read f-string expressions, so such a string never reaches the catalogue and shows in
    English on a Chinese page."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                        and inner.func.id in GETTEXT_NAMES):
                    lines.append(inner.lineno)
    return lines


def test_the_fstring_check_finds_a_gettext_call_in_braces():
    assert gettext_calls_inside_fstrings('x = f"[{_(\'service recipient\')} · {n}]"\n') == [1]
    assert gettext_calls_inside_fstrings('x = _("[%(who)s]") % {"who": n}\n') == []


def test_no_gettext_call_inside_an_fstring():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(MINSHENG.rglob("*.py"))
             if "migrations" not in path.parts
             for line in gettext_calls_inside_fstrings(path.read_text(encoding="utf-8"))]
    assert found == [], "translate outside the f-string (xgettext skips its expressions): " + ", ".join(found)


def test_compiling_makes_this_process_read_the_new_catalogues(tmp_path):
    """``minsheng up`` compiles after migrating has loaded the catalogues; the demo it then
    builds in the same process must be written in Chinese, not from the stale empty ones."""
    import gettext
    import os

    from django.core.management import call_command
    from django.utils import translation
    from django.utils.translation import trans_real

    class Empty(gettext.NullTranslations):  # as loaded before a fresh clone's .mo existed
        def to_language(self):
            return "zh-hans"

    msgid = "Enterprise start-up"  # a variable: xgettext would take a literal into core's catalogue
    po = MINSHENG / "programs" / "enterprise_startup" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    stat = po.stat()
    trans_real._translations = {"zh-hans": Empty()}
    try:
        with translation.override("zh-hans"):
            assert translation.gettext(msgid) == msgid
        newer = max(stat.st_mtime, po.with_suffix(".mo").stat().st_mtime) + 60
        os.utime(po, (stat.st_atime, newer))  # newer than its .mo: compiled again
        call_command("compile_catalogues", stdout=open(os.devnull, "w"))  # noqa: SIM115
        with translation.override("zh-hans"):
            assert translation.gettext(msgid) == "企业开办"
    finally:
        os.utime(po, (stat.st_atime, stat.st_mtime))
        trans_real._translations = {}
        trans_real._default = None


# Messages two apps translate differently although neither gives a context. Django merges the
# catalogues into one, so only one of the translations is ever shown — in every app: the
# window clerk's "Open" (进入) read "报名时间", after-school's column heading, until stop 14.
# The file lists the clashes found then; each is to be given a context (pgettext, or
# {% trans … context … %}) where the meanings differ, or one wording where they do not, and
# then dropped from the list. No new clash may be added.
KNOWN_CLASHES = ROOT / "minsheng/core/tests/translation_clashes_known.json"


def translation_clashes() -> dict[str, dict[str, str]]:
    """{msgid (with "context\\x04" before it when it has one): {catalogue: translation}} for
    each message translated in more than one way."""
    import polib

    seen: dict[str, dict[str, str]] = {}
    for path in sorted(MINSHENG.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        catalogue = str(path.relative_to(MINSHENG).parent.parent.parent.parent)
        for entry in polib.pofile(str(path)):
            if entry.obsolete or not entry.msgstr:
                continue
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            seen.setdefault(key, {})[catalogue] = entry.msgstr
    return {key: by_app for key, by_app in seen.items() if len(set(by_app.values())) > 1}


def test_no_message_is_translated_two_ways_without_a_context():
    import json

    known = set(json.loads(KNOWN_CLASHES.read_text(encoding="utf-8")))
    clashes = translation_clashes()
    new = {key: by_app for key, by_app in clashes.items() if key not in known}
    assert not new, f"give these a context (pgettext) or one wording: {new}"
    settled = sorted(known - set(clashes))
    assert not settled, f"no longer clash: drop them from {KNOWN_CLASHES.name}: {settled}"


def test_the_clash_check_sees_a_clash(tmp_path, monkeypatch):
    for app, wording in (("a", "进入"), ("b", "报名时间")):
        po = tmp_path / app / "locale/zh_Hans/LC_MESSAGES/django.po"
        po.parent.mkdir(parents=True)
        po.write_text(f'msgid ""\nmsgstr ""\n\nmsgid "Open"\nmsgstr "{wording}"\n\n'
                      f'msgctxt "x"\nmsgid "Open"\nmsgstr "{wording}"\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "MINSHENG", tmp_path)
    assert translation_clashes() == {"Open": {"a": "进入", "b": "报名时间"},
                                     "x\x04Open": {"a": "进入", "b": "报名时间"}}
