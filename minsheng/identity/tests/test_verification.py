"""Real-name verifiers: the checksum-only default, and the OIDC client against a fake issuer on 127.0.0.1."""

import json
import threading
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
