"""Fuzz the whole OpenAPI document: no request, valid or not, may produce a server error.

Examples per operation are capped so CI time stays predictable; operations
run both anonymously and as a signed-in staff superuser (API token), so the
authorised code paths are fuzzed too.
"""

import hashlib

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

TOKEN = "schemathesis-token-0123456789"
MAX_EXAMPLES = 12


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """Like Django's test client: the WSGI handler must not close the test's
    database connection between requests (it would end the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(django_user_model):
    cache.clear()
    user = django_user_model.objects.create_superuser("fuzzer", "pw-unused-123", name="模糊测试")
    django_user_model.objects.filter(pk=user.pk).update(api_token_hash=hashlib.sha256(TOKEN.encode()).hexdigest())
    return TOKEN


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_causes_a_server_error(case, staff_token):
    for headers in ({}, {"Authorization": f"Token {staff_token}"}):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        # A failed statement would poison the test transaction on PostgreSQL
        # and hide later errors; make sure nothing is left half-done.
        assert not connection.needs_rollback
