import pytest

from minsheng.core.registry import registry
from minsheng.notifications.services import notification_send
from minsheng.notifications.templates import register


@pytest.mark.django_db
def test_home_shows_a_tile_for_every_registered_program_service(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    tiles = registry.portal_tiles()
    assert tiles, "programs register portal tiles"
    for tile in tiles:
        assert str(tile.title) in html


@pytest.mark.django_db
def test_home_is_chinese_by_default_and_english_on_request(client):
    assert "便民服务" in client.get("/").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Public services" in english


@pytest.mark.django_db
def test_signed_in_user_sees_unread_message_count(client, django_user_model):
    user = django_user_model.objects.create_user("wangfang", "pw-Portal-2026", name="王芳")
    register("portal.test", title="测试通知", body="您好，{name}")
    client.force_login(user)
    assert 'data-test="unread-count"' not in client.get("/").content.decode()
    notification_send(recipient=user, template="portal.test", context={"name": "王芳"}, dedupe_key="portal-test-1")
    html = client.get("/").content.decode()
    assert 'data-test="unread-count">1<' in html
