"""What every page must pass in a browser (issue 19), checked with Playwright and Debian's chromium.

For one opened page, ``check_page`` returns what is wrong with it:

- ``status``: the page did not answer with the status the walk saw;
- ``axe``: an axe-core violation of impact serious or critical (axe-playwright-python
  carries axe-core, so it runs offline);
- ``overflow``: the page is wider than the screen
  (``document.documentElement.scrollWidth`` > the viewport's width);
- ``title``: the ``<title>`` is empty or only the site's name;
- ``elderly``: in elderly mode, the page does not show it (no ``ms-large`` on ``<html>``);
- ``console``: an error in the browser's console or an uncaught script error
  (a missing stylesheet, script or image shows here too);
- ``untranslated``: interface text in the other language. What counts:
  on a Chinese page, a text (a text node, a label's ``aria-label``, ``placeholder``,
  ``title`` or a button's value) that is exactly an English message id of the
  catalogues, or holds an English word of the catalogues' message ids (three letters
  or more) that is not in ``LATIN_ALLOWED``; on an English page, Chinese characters in
  an element that only interface text fills (a field's label, a column heading, a
  legend, a summary, a caption, a hint, a term of a description list — not a choice's
  label, a button or a table cell, which may name data such as a business type or a
  service configured in Chinese), unless the text is English quoting a Chinese term.
  Data — people's names, addresses, organisations, codes — is never a message id,
  so it passes; a code or a brand in Latin letters that happens to be an English
  word goes in ``LATIN_ALLOWED`` with the reason. Text inside ``<code>``, ``<kbd>``,
  ``<samp>``, ``<pre>`` or an element marked ``translate="no"`` is data by
  declaration.

The CI walk (``minsheng/demo/tests/test_pages_in_browser.py``) and the gallery command
(``manage.py page_gallery``) both call it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

from minsheng.core.display import LARGE_TEXT_COOKIE

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}
SERIOUS = ("serious", "critical")

# Latin words that are right on a Chinese page: brands, standards, file formats, units,
# and the language switch's own "English" (a language is named in itself).
LATIN_ALLOWED = {
    "api", "openapi", "pdf", "csv", "xlsx", "excel", "json", "sms", "url", "http", "https",
    "english", "gb/t", "id", "kpi", "sla", "ip", "mqtt", "sse", "wifi", "app", "ios",
    "android", "www", "com", "org", "png", "jpg", "jpeg", "svg", "otp", "totp", "qr",
    "minsheng",  # the platform's own name in its links and addresses
    "sha",  # SHA-256, the draw page's hash
    "wgs", "gcj",  # coordinate systems (WGS-84, GCJ-02) named in a field's label
    "imei",  # the device identifier printed on an alarm device, named in its field's label
}


@dataclass(frozen=True)
class Mode:
    """A way people see the site: a language, and the elderly mode (大字版) or not."""

    name: str
    language: str
    elderly: bool = False


MODES = {
    "zh": Mode("zh", "zh-hans"),
    "en": Mode("en", "en"),
    "elderly": Mode("elderly", "zh-hans", elderly=True),
}
# How the elderly mode is switched on for a whole browser session: the switch on every
# page remembers the choice in this cookie; the page then carries ``ms-large`` on <html>.
ELDERLY_COOKIE = (LARGE_TEXT_COOKIE, "1")
ELDERLY_CLASS = "ms-large"


@dataclass(frozen=True)
class Finding:
    check: str
    detail: str


@dataclass
class Catalogue:
    """The interface's words, from every app's zh_Hans catalogue."""

    msgids: set[str] = field(default_factory=set)
    translations: set[str] = field(default_factory=set)
    vocabulary: set[str] = field(default_factory=set)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def catalogue() -> Catalogue:
    import polib

    found = Catalogue()
    root = Path(settings.BASE_DIR) / "minsheng"
    for po_path in sorted(root.rglob("locale/zh_Hans/LC_MESSAGES/django.po")):
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete or not entry.msgstr or entry.msgid == entry.msgstr:
                continue
            msgid = _norm(entry.msgid)
            # Placeholders ("%(name)s", "{count}") never appear as such on a page.
            if "%" in msgid or "{" in msgid:
                continue
            found.msgids.add(msgid)
            found.translations.add(_norm(entry.msgstr))
            found.vocabulary.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", msgid))
    found.vocabulary -= LATIN_ALLOWED
    return found


def site_names() -> set[str]:
    from minsheng.core.context_processors import SITE_NAME

    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(SITE_NAME))
    return names


# Visible text of the page: [text, is it in an element only interface text fills?]
_TEXTS_JS = """() => {
  const data = 'script,style,noscript,code,kbd,samp,pre,[translate=no],template';
  // Elements only the interface fills; a choice's label (radio, checkbox) and a button
  // may carry data (an industry, a business type), so they are not among them.
  const iface = 'label,thead th,legend,summary,caption,.form-text,dt';
  const choice = (label) => label.matches('.form-check-label') || !!label.querySelector('input[type=radio],input[type=checkbox]')
    || (label.htmlFor && !!document.querySelector('#' + CSS.escape(label.htmlFor) + '[type=radio],#' + CSS.escape(label.htmlFor) + '[type=checkbox]'));
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    const el = node.parentElement;
    if (!text || !el || el.closest(data)) continue;
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) continue;
    const home = el.closest(iface);
    out.push([text, !!home && !(home.tagName === 'LABEL' && choice(home))]);
  }
  for (const el of document.querySelectorAll('[aria-label],[placeholder],[title],input[type=submit],input[type=button]')) {
    if (el.closest(data)) continue;
    for (const name of ['aria-label', 'placeholder', 'title']) {
      const v = el.getAttribute(name);
      if (v && v.trim()) out.push([v.replace(/\\s+/g, ' ').trim(), true]);
    }
    if (el.tagName === 'INPUT' && el.value) out.push([el.value.trim(), true]);
  }
  out.push([document.title.replace(/\\s+/g, ' ').trim(), false]);
  return out;
}"""

# How wide the page is, and the outermost elements that stick out on the right.
_OVERFLOW_JS = """() => {
  const vw = window.innerWidth;
  const sw = document.documentElement.scrollWidth;
  const culprits = [];
  if (sw > vw) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > vw + 1 && r.width > 0 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > vw + 1)) {
        let name = el.tagName.toLowerCase();
        if (el.id) name += '#' + el.id;
        if (typeof el.className === 'string' && el.className.trim()) name += '.' + el.className.trim().split(/\\s+/).join('.');
        culprits.push(name + ' (' + Math.round(r.right) + 'px)');
        if (culprits.length >= 3) break;
      }
    }
  }
  return {vw, sw, culprits};
}"""

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# A file's name ("ep-2026-candidates.txt") and a web address (the check-in link printed under
# its QR code) are data, whatever words they are made of.
_FILE_NAME = re.compile(r"https?://\S+|[\w.-]+\.(?:txt|csv|pdf|xlsx|json|png|jpg|svg|zip)\b")


def untranslated(texts: list[list], *, language: str) -> list[str]:
    """The texts of ``texts`` (as ``_TEXTS_JS`` returns them) in the wrong language."""
    words = catalogue()
    wrong = []
    for text, interface_only in texts:
        if language == "en":
            english = any(w.lower() in words.vocabulary for w in _LATIN_WORD.findall(text))
            if interface_only and _HAN.search(text) and not english:
                wrong.append(text)
        elif text in words.msgids or any(
            w.lower() in words.vocabulary for w in _LATIN_WORD.findall(_FILE_NAME.sub("", text))
        ):
            wrong.append(text)
    return list(dict.fromkeys(wrong))


@dataclass
class Tab:
    """A browser page, reused for every URL of one account in one mode, and its console's errors."""

    page: object
    console: list[tuple[str, str]] = field(default_factory=list)  # (message, the URL it is about)


def check_page(
    tab: Tab, url: str, *, language: str, elderly: bool = False, axe=None, status: int = 200
) -> list[Finding]:
    """Open ``url`` in ``tab`` and return everything wrong with it (nothing: it passes)."""
    page = tab.page
    tab.console.clear()
    response = page.goto(url, wait_until="load")
    findings = []
    got = response.status if response is not None else 0
    if got != status:
        findings.append(Finding("status", f"answered {got}, expected {status}"))
    if response is None or got >= 500:
        return findings
    for message, about in tab.console:
        # An error page's own status is reported in the console too: that is no fault.
        if about == response.url and got == status and message.startswith("Failed to load resource"):
            continue
        findings.append(Finding("console", f"{message[:300]} ({about})"))
    width = page.evaluate(_OVERFLOW_JS)
    if width["sw"] > width["vw"]:
        findings.append(Finding(
            "overflow",
            f"{width['sw']}px wide on a {width['vw']}px screen: {', '.join(width['culprits'])}",
        ))
    if elderly and not page.evaluate(f"document.documentElement.classList.contains('{ELDERLY_CLASS}')"):
        findings.append(Finding("elderly", "the page does not show elderly mode (大字版) though it is on"))
    title = _norm(page.title())
    rest = title
    for name in site_names():
        rest = rest.replace(name, "")
    if not re.sub(r"[\s·|\-–—:：]+", "", rest):
        findings.append(Finding("title", f"title is {title!r}: the page needs its own"))
    for text in untranslated(page.evaluate(_TEXTS_JS), language=language):
        findings.append(Finding("untranslated", text[:120]))
    if axe is not None:
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation.get("impact") in SERIOUS:
                nodes = violation["nodes"]
                target = ", ".join(str(t) for t in nodes[0]["target"]) if nodes else ""
                findings.append(Finding(
                    "axe",
                    f"{violation['id']} ({violation['impact']}) on {len(nodes)} element(s), "
                    f"e.g. {target[:120]}: {violation['help']}",
                ))
    return findings


@contextmanager
def chromium() -> Iterator:
    """One headless Debian chromium for a whole run."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        raise RuntimeError("Debian's chromium is needed (apt install chromium): " + CHROMIUM)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            browser.close()


def open_tab(browser, base_url: str, *, mode: Mode, viewport: dict, session: str | None) -> Tab:
    """A new context (one per account and mode) and its one page, reused for every URL."""
    locale = "en-US" if mode.language == "en" else "zh-CN"
    context = browser.new_context(locale=locale, viewport=viewport, base_url=base_url)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": mode.language, "url": base_url}]
    if session:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url})
    if mode.elderly:
        cookies.append({"name": ELDERLY_COOKIE[0], "value": ELDERLY_COOKIE[1], "url": base_url})
    context.add_cookies(cookies)
    tab = Tab(context.new_page())
    tab.page.on(
        "console",
        lambda m: m.type == "error" and tab.console.append((m.text, m.location.get("url", ""))),
    )
    tab.page.on("pageerror", lambda e: tab.console.append((f"uncaught: {e}", tab.page.url)))
    return tab


def check_pages(
    browser,
    base_url: str,
    pages: list,
    *,
    sessions: dict[str, str],
    mode: Mode,
    viewport: dict,
    axe_routes: set[str] | None = None,
    screenshots: Path | None = None,
) -> list[tuple]:
    """Check ``pages`` (``pagewalk.Page``) in one mode and size, one browser context per account.

    ``axe_routes``: the routes axe looks at (None: every page). ``screenshots``: a folder
    to save each page's full-page screenshot in. Returns [(page, Finding)] for what failed.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    failures = []
    by_login: dict[str, list] = {}
    for page in pages:
        by_login.setdefault(page.login, []).append(page)
    for login, own in by_login.items():
        tab = open_tab(browser, base_url, mode=mode, viewport=viewport, session=sessions.get(login))
        try:
            for page in own:
                use_axe = axe_routes is None or page.route in axe_routes
                for finding in check_page(
                    tab, page.url, language=mode.language, elderly=mode.elderly,
                    axe=axe if use_axe else None,
                    status=page.status,
                ):
                    failures.append((page, finding))
                if screenshots is not None:
                    screenshots.mkdir(parents=True, exist_ok=True)
                    tab.page.screenshot(path=str(screenshots / screenshot_name(page)), full_page=True)
        finally:
            tab.page.context.close()
    return failures


def screenshot_name(page) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", page.url).strip("-") or "home"
    return f"{page.login or 'anonymous'}--{slug}.png"[:200]


def report(failures: list[tuple], *, mode: Mode, viewport: dict) -> str:
    """The failures as lines a person reads: the page, who opened it, what is wrong."""
    lines = [f"{len(failures)} finding(s) in mode {mode.name} at {viewport['width']}×{viewport['height']}:"]
    for page, finding in sorted(failures, key=lambda f: (f[0].url, f[1].check)):
        lines.append(f"  {page.url} [{page.login or 'anonymous'}] {finding.check}: {finding.detail}")
    return "\n".join(lines)
