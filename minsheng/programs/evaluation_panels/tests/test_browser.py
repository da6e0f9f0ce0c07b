"""Browser test: a panel member opens the site QR link on a phone, checks in and scores."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from .. import services
from ..models import PanelSeat, Scorecard
from . import factories as f

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; the live server and
# the ORM calls in this module stay synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_context():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: ./run tests installs it with apt"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        yield context
        context.close()
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_panel_member_checks_in_from_the_qr_link_and_scores_on_a_phone(browser_context, live_server, client):
    f.pool(per_stratum=2)
    starts = timezone.now() - timedelta(minutes=10)
    ev = f.drawn_evaluation(f.project(), size=4, starts=starts)
    seat = ev.seats.select_related("volunteer__person__user").first()
    client.force_login(seat.volunteer.person.user)
    browser_context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    page = browser_context.new_page()

    # The QR code on site carries this link.
    page.goto(f"{live_server.url}/p/evaluation_panels/checkin/{services.checkin_token(evaluation=ev)}/")
    page.click("[data-test=checkin]")
    page.wait_for_url(f"**/p/evaluation_panels/evaluations/{ev.id}/score/")
    assert "签到" in page.inner_text("[data-test=messages]") or page.locator("[data-test=submit-score]").is_visible()

    for c in ev.rubric.criteria.all():
        page.fill(f"#c{c.id}", "8")
    page.locator(".ep-score input[name=overall][value=basic]").check()
    page.fill("#comment", "步道照明不足")
    button = page.locator("[data-test=submit-score]")
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone screen
    button.click()
    page.wait_for_selector("[data-test=scored]")

    card = Scorecard.objects.get(evaluation=ev)
    assert card.overall == "basic" and card.comment == "步道照明不足" and str(card.weighted_score) == "80.00"
    assert PanelSeat.objects.get(pk=seat.pk).has_scored
