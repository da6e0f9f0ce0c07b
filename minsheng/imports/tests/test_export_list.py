"""A long export runs in the background; its file is found again on the import page (issue 19:
every page is reachable by a link): each person sees the exports they started, no one else's."""

import pytest

from minsheng.identity.models import User
from minsheng.imports.models import ExportJob, ImportState

pytestmark = pytest.mark.django_db


def test_the_import_page_lists_the_exports_the_person_started_and_links_to_each(client):
    mine = User.objects.create(username="officer", name="办事员", is_staff=True, is_superuser=True)
    other = User.objects.create(username="other", name="另一位", is_staff=True, is_superuser=True)
    done = ExportJob.objects.create(export_key="k:A", title="工单列表", fmt="xlsx", total=9, processed=9,
                                    state=ImportState.DONE, created_by=mine)
    ExportJob.objects.create(export_key="k:B", title="别人的导出", fmt="csv", total=3, created_by=other)
    client.force_login(mine)
    page = client.get("/imports/").content.decode()
    assert f'href="/imports/exports/{done.pk}/"' in page and "工单列表" in page and "(XLSX)" in page
    assert "别人的导出" not in page
    assert client.get(f"/imports/exports/{done.pk}/").status_code == 200
