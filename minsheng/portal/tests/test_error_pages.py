"""The site's own error pages, in the site's layout and the user's language, with a way back;
never Django's debug page outside development."""

import subprocess
import sys

import pytest
from django.test import Client, RequestFactory
from django.views import defaults

from minsheng.identity.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "找不到这个页面"), ("en", "We could not find this page")])
def test_an_unknown_address_shows_the_sites_404_page_in_the_users_language(language, heading):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert heading in page and 'ms-navbar' in page and 'href="/"' in page
    assert "Using the URLconf" not in page  # not the debug page's list of URL patterns


def test_a_staff_page_refused_to_a_citizen_explains_and_offers_a_way_back():
    citizen = User.objects.create_user("citizen", "x-pass-2026", name="居民")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(citizen)
    response = client.get("/workbench/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "您无权打开这个页面" in page and "联系管理员" in page and 'href="/"' in page


def test_a_server_error_page_says_nothing_was_lost_and_needs_no_database():
    request = RequestFactory().get("/")
    response = defaults.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出现了问题" in page and "不会丢失" in page


def test_development_settings_do_not_show_the_debug_page_unless_asked():
    code = "from django.conf import settings; print(settings.DEBUG)"
    env = {"MINSHENG_ENV": "development", "DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"}
    run = lambda extra: subprocess.run(  # noqa: E731
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, **extra}, capture_output=True, text=True, check=True,
    ).stdout.split()[-1]
    assert run({}) == "False"
    assert run({"DJANGO_DEBUG": "1"}) == "True"


def test_staff_land_on_their_workbench_after_signing_in():
    User.objects.create_user("clerk", "x-pass-2026", name="窗口", is_staff=True)
    response = Client().post("/accounts/login/", {"username": "clerk", "password": "x-pass-2026"})
    assert response.status_code == 302 and response["Location"] == "/workbench/"
