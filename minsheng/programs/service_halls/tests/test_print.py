"""Kiosk tickets print on 58 mm and 80 mm receipt paper: Chromium renders the ticket page to
PDF with the page's own @page size (as its print preview does) and the ticket is one slip of
that width, with the number and without the site's header, buttons or forms."""

import io
import os
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .test_browser import browser  # noqa: F401 — the Chromium fixture

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
MM = 72 / 25.4  # PDF points per millimetre
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _pdf_pages(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages


def _text(page) -> str:
    """The page's text as typed (PDF fonts map some characters to Kangxi radicals: NFKC folds them)."""
    return unicodedata.normalize("NFKC", page.extract_text()).replace(" ", "").replace("\n", "")


@pytest.mark.parametrize(("paper", "width_mm", "height_mm"), [("58", 58, 100), ("80", 80, 110)])
@pytest.mark.django_db(transaction=True)
def test_a_kiosk_ticket_prints_as_one_receipt_slip(browser, live_server, paper, width_mm, height_mm):  # noqa: F811
    from . import factories as f

    with time_machine.travel(MONDAY_10, tick=True):
        point = f.point(name="朐阳街道便民服务中心", businesses=[f.business("A", name="参保登记")])
        page = browser.new_context(locale="zh-CN", viewport={"width": 1080, "height": 1920}).new_page()
        page.goto(f"{live_server.url}/p/service_halls/kiosk/{point.pk}/?paper={paper}")
        page.click("[data-test=kiosk-A]")
        page.wait_for_selector("[data-test=ticket-number]")
        assert f"paper={paper}" in page.url
        page.wait_for_selector("[data-test=print-ticket]", state="visible", timeout=5000)  # print.js shows it
        page.emulate_media(media="print")
        assert not page.is_visible("[data-test=print-ticket]")
        assert not page.is_visible("header")
        pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    pages = _pdf_pages(pdf)
    assert len(pages) == 1
    box = pages[0].mediabox
    assert abs(float(box.width) - width_mm * MM) < 1 and abs(float(box.height) - height_mm * MM) < 1
    text = _text(pages[0])
    assert "A001" in text and "参保登记" in text
    assert "退出" not in text and "Signout" not in text


@pytest.mark.django_db(transaction=True)
def test_a_kiosk_set_to_print_prints_each_ticket_when_it_shows(browser, live_server):  # noqa: F811
    from . import factories as f

    with time_machine.travel(MONDAY_10, tick=True):
        point = f.point(businesses=[f.business("A", name="参保登记")])
        page = browser.new_context(locale="zh-CN").new_page()
        page.add_init_script("window.__printed = 0; window.print = function () { window.__printed += 1; };")
        page.goto(f"{live_server.url}/p/service_halls/kiosk/{point.pk}/?paper=58&print=1")
        page.click("[data-test=kiosk-A]")
        page.wait_for_function("window.__printed === 1")
        back = page.get_attribute("a[href*='/kiosk/']", "href")
        assert "paper=58" in back and "print=1" in back  # the next walk-in's ticket prints too
