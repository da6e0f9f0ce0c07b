"""Dashboard reads on a read replica, chosen by DATABASE_REPLICA_URL.

The replica here is a second database that really is separate: a row written to the primary
is not on it until the test copies it (what streaming replication does in production). Runs
where DATABASE_REPLICA_URL is set (the PostgreSQL CI pass); without it the router is not
installed and every read goes to the one database (the last test).
"""

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from minsheng.core.replica import replica_reads
from minsheng.identity.models import User
from minsheng.regions.models import Region

needs_replica = pytest.mark.skipif(
    "replica" not in settings.DATABASES,
    reason="needs a second database: set DATABASE_REPLICA_URL (the PostgreSQL CI pass does)",
)


def _copy_to_replica(*rows):
    """Stand-in for replication: the same rows, the same keys, on the replica."""
    for row in rows:
        row.save(using="replica", force_insert=True)


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_reads_inside_replica_reads_see_the_replica_until_the_write_is_copied():
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    assert Region.objects.filter(code="320700").exists()  # the primary has it
    with replica_reads():
        assert not Region.objects.filter(code="320700").exists()  # not replicated yet
        assert Region.objects.count() == 0
    _copy_to_replica(city)
    with replica_reads():
        assert Region.objects.get(code="320700").name == "连云港市"
        # writes never go to the replica
        Region.objects.create(code="320706", prefix="320706", name="海州区", level="county", parent=city)
    assert Region.objects.filter(code="320706").exists()
    assert not Region.objects.using("replica").filter(code="320706").exists()


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_inside_a_transaction_on_the_primary_reads_stay_on_the_primary():
    with transaction.atomic(), replica_reads():
        Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
        assert Region.objects.filter(code="320700").exists()  # sees its own write


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_dashboard_page_reads_the_replica_and_signing_in_reads_the_primary(client):
    admin = User.objects.create_superuser("dash", "Dash-pass-2026", name="看板")
    client.force_login(admin)  # the account and session exist on the primary only
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/p/enterprise_startup/dashboard/")
    assert response.status_code == 200
    assert on_replica.captured_queries, "the dashboard's figures come from the replica"
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "identity_user" not in replica_sql and "django_session" not in replica_sql
    assert any("identity_user" in q["sql"] or "session" in q["sql"] for q in on_primary.captured_queries)


def test_without_a_replica_url_no_router_is_installed():
    if "replica" in settings.DATABASES:
        assert settings.DATABASE_ROUTERS == ["minsheng.core.replica.ReplicaRouter"]
    else:
        assert settings.DATABASE_ROUTERS == []
        with replica_reads():
            assert Region.objects.db == "default"
