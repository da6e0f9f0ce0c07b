"""The supervision figures download as the page shows them, within the supervisor's scope."""

import csv
import io

import pytest

from minsheng.access.models import Role, RoleAssignment
from minsheng.audit.models import AuditEvent

from ..services.applications import application_submit
from . import factories as f
from .test_views import frozen, setup  # noqa: F401 - the fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_supervision_downloads_by_school_as_on_the_page_and_is_audited(client, setup):  # noqa: F811
    school, off, guardian, child = setup
    application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                       idempotency_key=f.key())
    staff = f.user("督导", is_staff=True)
    Role.objects.get_or_create(code="education_supervisor", defaults={"title": "教育督导"})
    RoleAssignment.objects.create(user=staff, role_id="education_supervisor", organisation=school,
                                  region=f.region().parent)
    client.force_login(guardian)
    assert client.get("/p/after_school/supervision/", {"export": "csv"}).status_code == 403
    client.force_login(staff)
    page = client.get("/p/after_school/supervision/", {"by": "school"})
    assert 'data-test="export-csv"' in page.content.decode()
    response = client.get("/p/after_school/supervision/", {"by": "school", "export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == school.name and rows[1][1] == "1" and float(rows[1][3]) == 100.0
    event = AuditEvent.objects.get(event_type="exports.download")
    assert event.new_values == {"format": "csv", "filters": {"by": "school"}, "rows": 1}
