"""The supervision list downloads with the page's filters and the organiser's region scope."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from minsheng.audit.models import AuditEvent

from . import factories as f
from .test_views import ev  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_supervision_projects_download_filtered_as_on_the_page(client, ev):  # noqa: F811
    other = f.project(lead_unit=f.org("市卫健委"), cy=ev.project.cycle, milestones=[("完工", date(2026, 3, 1))])
    client.force_login(f.staff_user("congress_staff"))
    url = reverse("evaluation_panels:supervision")
    rows = list(csv.reader(io.StringIO(client.get(url, {"export": "csv"}).content.decode("utf-8-sig"))))
    assert {r[2] for r in rows[1:]} == {ev.project.title, other.title}
    rows = list(csv.reader(io.StringIO(
        client.get(url, {"lead_unit": other.lead_unit_id, "export": "csv"}).content.decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == [other.title]
    event = AuditEvent.objects.filter(event_type="exports.download").latest("pk")
    assert event.new_values["filters"] == {"lead_unit": str(other.lead_unit_id)} and event.new_values["rows"] == 1
    assert client.get(url, {"export": "xlsx"})["Content-Type"].startswith("application/vnd.openxml")
