"""Settlement statements on A4: the WeasyPrint PDF and the statement page printed from the browser
(Chromium's print of the page, as its print preview shows it) are A4, without the site's chrome."""

import io
import os
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from ..models import SettlementStatement
from ..services.settlement import settlement_run, statement_pdf
from . import factories as f
from .test_settlement import visit

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
A4 = (595.28, 841.89)  # points
CHROMIUM = "/usr/bin/chromium"


def _pages(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages


def _statement():
    org = f.provider()
    visit(org, f.elder(), 2, amount=Decimal("40"))
    settlement_run(month=date(2026, 3, 1))
    return SettlementStatement.objects.select_related("provider").get()


def _text(page) -> str:
    """The page's text as typed (PDF fonts map some characters to Kangxi radicals: NFKC folds them)."""
    return unicodedata.normalize("NFKC", page.extract_text()).replace(" ", "").replace("\n", "")


def _is_a4(page) -> bool:
    return abs(float(page.mediabox.width) - A4[0]) < 1 and abs(float(page.mediabox.height) - A4[1]) < 1


@pytest.mark.django_db
def test_the_statement_pdf_is_a4():
    with time_machine.travel(f.at(2026, 4, 3, 10), tick=False):
        st = _statement()
        pages = _pages(statement_pdf(statement=st))
    assert len(pages) == 1 and _is_a4(pages[0])
    assert st.provider.name in _text(pages[0])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_statement_page_prints_on_one_a4_page_without_the_sites_chrome(live_server, client):
    from playwright.sync_api import sync_playwright

    with time_machine.travel(f.at(2026, 4, 3, 10), tick=True):
        st = _statement()
        officer = f.grant(f.user("民政科员"), "civil_affairs_officer", f.civil_affairs(), st.provider.region)
        client.force_login(officer)
        session = client.cookies["sessionid"].value
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
            context = browser.new_context(locale="zh-CN")
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}/p/elderly_care/statements/{st.pk}/")
            page.wait_for_selector("[data-test=print]", state="visible", timeout=5000)
            pdf = page.pdf(prefer_css_page_size=True)
            browser.close()
    pages = _pages(pdf)
    assert len(pages) == 1 and _is_a4(pages[0])
    text = _text(pages[0])
    assert st.provider.name in text
    assert "退出" not in text and "Signout" not in text  # the header is left out
