"""Fuzz the whole OpenAPI document: no request, valid or not, may produce a server error.

Every generated request is sent three times: anonymously, with a citizen's API
token (a real-name person with an account) and with a staff superuser's token,
so the public, citizen and staff code paths are all reached. Schemathesis runs
its examples, coverage (boundary values: the largest integers, empty and very
long strings, NUL and other odd characters, missing and extra fields) and
fuzzing phases; fuzzing is capped at ``MAX_EXAMPLES`` per operation and the
examples are derived from a fixed seed, so CI time stays predictable (about
three minutes on two cores). A summary per role (requests sent, server errors)
is printed at the end of each process.
"""

import hashlib
import secrets
import time
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from minsheng.identity.models import Person

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])

ROLES = ("anonymous", "citizen", "staff")
MAX_EXAMPLES = 12

sent: Counter = Counter()
server_errors: Counter = Counter()
started = time.monotonic()


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    seconds = time.monotonic() - started
    print(  # noqa: T201 - the figures the closing note quotes
        "\nschemathesis: "
        + "; ".join(f"{role} {sent[role]} requests, {server_errors[role]} server errors" for role in ROLES)
        + f"; {seconds:.0f} s in this process"
    )


@pytest.fixture(autouse=True)
def keep_the_test_connection_open():
    """Like Django's test client: the WSGI handler must not close the test's
    database connection between requests (it would end the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _with_token(user, token: str) -> None:
    user.__class__.objects.filter(pk=user.pk).update(api_token_hash=hashlib.sha256(token.encode()).hexdigest())


@pytest.fixture
def role_headers(django_user_model):
    # Fresh tokens per operation: each operation's users are rolled back.
    cache.clear()
    tokens = {role: f"fuzz-{role}-{secrets.token_hex(16)}" for role in ("citizen", "staff")}
    staff = django_user_model.objects.create_superuser("fuzzer", "pw-unused-123", name="模糊测试")
    citizen = django_user_model.objects.create_user("fuzz-citizen", name="李明", phone="13900000077")
    Person.objects.create(user=citizen, name="李明")
    _with_token(staff, tokens["staff"])
    _with_token(citizen, tokens["citizen"])
    return {
        "anonymous": {},
        "citizen": {"Authorization": f"Token {tokens['citizen']}"},
        "staff": {"Authorization": f"Token {tokens['staff']}"},
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_causes_a_server_error(case, role_headers):
    for role in ROLES:
        response = case.call(headers=role_headers[role])
        sent[role] += 1
        if response.status_code >= 500:
            server_errors[role] += 1
        case.validate_response(response, checks=[not_a_server_error])
        # A failed statement would poison the test transaction on PostgreSQL
        # and hide later errors; make sure nothing is left half-done.
        assert not connection.needs_rollback
        # Nothing the server says carries a traceback, whatever the status.
        assert b"Traceback" not in response.content
