"""Real-name verifiers: the checksum-only default, and the OIDC client against a fake issuer on 127.0.0.1."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from minsheng.identity.verification import ChecksumOnlyVerifier, OidcVerifier, real_name_verifier


def test_default_verifier_checks_the_checksum_only_and_says_so():
    verifier = real_name_verifier()
    assert isinstance(verifier, ChecksumOnlyVerifier)
    ok = verifier.verify(name="张三", id_number="320706194501011234")
    assert ok.verified and ok.method == "checksum-only"
    assert "not compared with the population register" in ok.message
    bad = verifier.verify(name="张三", id_number="320706194501011235")
    assert not bad.verified and "check digit" in bad.message


class FakeIssuer(BaseHTTPRequestHandler):
    claims = {"name": "张三", "id_number": "320706194501011234"}
    seen: list = []

    def log_message(self, *args):
        pass

    def _json(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/.well-known/openid-configuration":
            return self._json({"issuer": base, "authorization_endpoint": f"{base}/authorize",
                               "token_endpoint": f"{base}/token", "userinfo_endpoint": f"{base}/userinfo"})
        if self.path == "/userinfo":
            if self.headers.get("Authorization") != "Bearer at-123":
                return self._json({"error": "invalid_token"}, 401)
            return self._json(self.claims)
        return self._json({}, 404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.seen.append({"auth": self.headers.get("Authorization"), "form": form})
        if self.path == "/token" and form.get("code") == ["good-code"]:
            return self._json({"access_token": "at-123", "token_type": "Bearer", "id_token": "x.y.z"})
        return self._json({"error": "invalid_grant"}, 400)


@pytest.fixture
def issuer():
    server = HTTPServer(("127.0.0.1", 0), FakeIssuer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_oidc_code_flow_verifies_matching_claims(issuer):
    verifier = OidcVerifier(issuer=issuer, client_id="minsheng", client_secret="s3cret")
    url = verifier.authorization_url(redirect_uri="https://city.example/cb", state="st-1", nonce="n-1")
    assert url.startswith(f"{issuer}/authorize?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["response_type"] == ["code"] and query["client_id"] == ["minsheng"] and query["state"] == ["st-1"]
    result = verifier.verify_callback(code="good-code", redirect_uri="https://city.example/cb",
                                      name="张三", id_number="320706 19450101 1234")
    assert result.verified and result.method == "oidc"
    sent = FakeIssuer.seen[-1]
    assert sent["auth"].startswith("Basic ") and sent["form"]["grant_type"] == ["authorization_code"]


def test_oidc_refuses_other_claims_and_failed_exchanges(issuer):
    verifier = OidcVerifier(issuer=issuer, client_id="minsheng", client_secret="s3cret")
    other = verifier.verify_callback(code="good-code", redirect_uri="https://x/cb", name="李四", id_number="320706194501011234")
    assert not other.verified and "does not match" in other.message
    failed = verifier.verify_callback(code="bad-code", redirect_uri="https://x/cb", name="张三", id_number="320706194501011234")
    assert not failed.verified and "could not be reached" in failed.message


# --- the citizen's journey through the identity service (pages) ---------------------------
@pytest.fixture
def oidc(issuer, settings):
    from minsheng.identity.verification import _verifier

    settings.IDENTITY_VERIFIER = "minsheng.identity.verification.OidcVerifier"
    settings.IDENTITY_OIDC_ISSUER = issuer
    settings.IDENTITY_OIDC_CLIENT_ID = "minsheng"
    settings.IDENTITY_OIDC_CLIENT_SECRET = "s3cret"
    _verifier.cache_clear()
    yield issuer
    _verifier.cache_clear()


def _start(client, name="张三", id_number="320706194501011234"):
    from django.urls import reverse

    r = client.post(reverse("portal:profile"), {"action": "realname", "name": name, "id_number": id_number})
    return r


@pytest.mark.django_db
def test_profile_sends_the_citizen_to_the_identity_service_and_registers_on_return(client, oidc):
    from django.urls import reverse

    from minsheng.audit.models import AuditEvent
    from minsheng.identity.models import Person, User
    from minsheng.identity.views import REAL_NAME_PENDING_KEY

    user = User.objects.create_user(name="张三")
    client.force_login(user)
    r = _start(client)
    assert r.status_code == 302 and r["Location"].startswith(f"{oidc}/authorize?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(r["Location"]).query)
    assert query["redirect_uri"] == ["http://testserver/accounts/real-name/callback/"]
    # the ID number waits in the session encrypted, never in the clear
    assert "320706194501011234" not in json.dumps(client.session[REAL_NAME_PENDING_KEY])
    assert not Person.objects.exists()
    back = client.get(reverse("identity:real_name_callback"), {"state": query["state"][0], "code": "good-code"})
    assert back.status_code == 302 and back["Location"] == reverse("portal:profile")
    person = Person.objects.get(user=user)
    assert person.verified_by == "oidc" and person.verified_at is not None
    assert AuditEvent.objects.filter(event_type="identity.real_name_registered", actor=user).exists()
    assert REAL_NAME_PENDING_KEY not in client.session  # one use
    page = client.get(reverse("portal:profile")).content.decode()
    assert "3207**********1234" in page


@pytest.mark.django_db
def test_identity_service_answers_that_do_not_fit_register_nothing(client, oidc):
    from django.urls import reverse

    from minsheng.identity.models import Person, User

    user = User.objects.create_user(name="李四")
    client.force_login(user)
    callback = reverse("identity:real_name_callback")

    def state_of(response):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)["state"][0]

    # another browser's (or a forged) state
    _start(client, name="张三")
    r = client.get(callback, {"state": "forged", "code": "good-code"}, follow=True)
    assert "did not start here" in r.content.decode()
    # the service's claims name someone else
    r = client.get(callback, {"state": state_of(_start(client, name="李四")), "code": "good-code"}, follow=True)
    assert "does not match" in r.content.decode()
    # the citizen cancelled at the service
    r = client.get(callback, {"state": state_of(_start(client)), "error": "access_denied"}, follow=True)
    assert "did not confirm" in r.content.decode()
    # too late: the pending sign-in expired
    import time_machine

    started = _start(client)
    with time_machine.travel(time.time() + 3600):
        r = client.get(callback, {"state": state_of(started), "code": "good-code"}, follow=True)
    assert "expired" in r.content.decode()
    # a bad ID number never leaves for the service
    bad = _start(client, id_number="320706194501011235")
    assert bad.status_code == 400 and "check digit" in bad.content.decode()
    assert not Person.objects.exists()
