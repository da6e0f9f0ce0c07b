"""Elderly mode (大字版): a switch on every page, remembered across sign-in and sign-out."""

import pytest
from django.test import Client

from minsheng.core.display import LARGE_TEXT_COOKIE

pytestmark = pytest.mark.django_db


def _large(page: str) -> bool:
    return 'class="no-js ms-large"' in page


def test_every_page_offers_the_switch_and_it_is_off_by_default(client):
    for url in ("/", "/accounts/login/", "/no/such/page/"):
        page = client.get(url).content.decode()
        assert 'data-test="large-text-switch"' in page and 'aria-pressed="false"' in page, url
        assert not _large(page)


def test_the_switch_turns_large_text_on_and_off_and_returns_to_the_page(client):
    response = client.post("/accounts/display/", {"large_text": "1", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert response.cookies[LARGE_TEXT_COOKIE].value == "1"
    page = client.get("/accounts/login/").content.decode()
    assert _large(page) and 'aria-pressed="true"' in page
    client.post("/accounts/display/", {"large_text": "0", "next": "/"})
    assert not _large(client.get("/").content.decode())


def test_an_outside_next_address_is_not_followed(client):
    response = client.post("/accounts/display/", {"large_text": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_choice_survives_signing_in_and_out_and_follows_the_person(django_user_model):
    user = django_user_model.objects.create_user("laowang", "Lw-elder-2026", name="王大爷")
    browser = Client()
    browser.post("/accounts/display/", {"large_text": "1", "next": "/"})
    browser.force_login(user)  # a new session (rotation) keeps the cookie
    assert _large(browser.get("/").content.decode())
    browser.post("/accounts/logout/")
    assert _large(browser.get("/").content.decode())
    # switching while signed in saves the preference on the account …
    browser.force_login(user)
    browser.post("/accounts/display/", {"large_text": "1", "next": "/"})
    user.refresh_from_db()
    assert user.large_text is True
    # … so another device shows it after signing in, without a cookie of its own
    other = Client()
    assert not _large(other.get("/").content.decode())
    other.force_login(user)
    assert _large(other.get("/").content.decode())


def test_a_choice_made_before_signing_in_is_saved_to_the_account(django_user_model):
    user = django_user_model.objects.create_user("lili", "Ll-elder-2026", name="李丽")
    browser = Client()
    browser.post("/accounts/display/", {"large_text": "1", "next": "/"})
    response = browser.post("/accounts/login/", {"username": "lili", "password": "Ll-elder-2026"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.large_text is True
