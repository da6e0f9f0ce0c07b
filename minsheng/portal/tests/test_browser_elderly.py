"""Browser test of elderly mode (大字版) on a phone: switched on from the header, it makes text
at least 18 px and every control at least 44×44 px, keeps the page within the screen, stops all
motion, folds no menu, and is still on after signing in."""

import os

import pytest

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"

MEASURE = """() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const small = [];
  document.querySelectorAll('main *, header *, footer *').forEach((el) => {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (own && visible(el) && !el.closest('.visually-hidden, .visually-hidden-focusable')) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 18) small.push(el.tagName + ' ' + size + ' ' + el.textContent.trim().slice(0, 20));
    }
  });
  const tiny = [];
  document.querySelectorAll('button, .btn, input:not([type=hidden]), select, textarea, .nav-link').forEach((el) => {
    if (!visible(el)) return;
    const r = el.getBoundingClientRect();
    const box = el.closest('.form-check') ? el.closest('.form-check').getBoundingClientRect() : r;
    if (box.height < 44 || (box.width < 44 && r.width < 44)) tiny.push(el.outerHTML.slice(0, 60) + ' ' + r.width + 'x' + r.height);
  });
  const moving = [...document.querySelectorAll('*')].filter((el) => {
    const s = getComputedStyle(el);
    return parseFloat(s.transitionDuration) > 0 || s.animationName !== 'none';
  }).map((el) => el.className).slice(0, 5);
  return {small, tiny, moving, body: parseFloat(getComputedStyle(document.body).fontSize),
          width: document.documentElement.scrollWidth,
          toggler: getComputedStyle(document.querySelector('.navbar-toggler')).display,
          menu: getComputedStyle(document.querySelector('#ms-nav')).display};
}"""


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: ./run tests installs it with apt"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812})
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_elderly_mode_on_a_phone_is_large_still_and_survives_sign_in(page, live_server, django_user_model):
    django_user_model.objects.create_user("laoli", "Laoli-elder-2026", name="李大爷")
    page.goto(f"{live_server.url}/accounts/login/")
    before = page.evaluate(MEASURE)
    assert before["body"] < 18 and before["small"] and before["toggler"] != "none"  # the standard page

    page.click("[data-test=large-text-switch]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/accounts/login/"
    assert page.locator("[data-test=large-text-switch]").get_attribute("aria-pressed") == "true"
    large = page.evaluate(MEASURE)
    assert large["body"] >= 18 and large["small"] == [], large["small"]
    assert large["tiny"] == [], large["tiny"]
    assert large["moving"] == [], large["moving"]
    assert large["width"] <= 375
    assert large["toggler"] == "none" and large["menu"] != "none"  # simpler navigation: nothing folded

    page.fill("#id_username", "laoli")
    page.fill("#id_password", "Laoli-elder-2026")
    page.locator("form button[type=submit]").filter(has_text="登录").first.click()
    page.wait_for_url(f"{live_server.url}/")
    signed_in = page.evaluate(MEASURE)
    assert "ms-large" in page.locator("html").get_attribute("class")
    assert signed_in["small"] == [] and signed_in["tiny"] == [] and signed_in["width"] <= 375
    assert django_user_model.objects.get(username="laoli").large_text is True
