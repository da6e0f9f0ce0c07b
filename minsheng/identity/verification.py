"""Real-name verification (实名认证), pluggable: ``settings.IDENTITY_VERIFIER`` names the class.

A verifier answers ``verify(*, name, id_number) -> VerificationResult``. The
development default, ChecksumOnlyVerifier, only checks the number's checksum,
date and region and says so in ``message``; nothing is compared with a
population register. A city plugs its provincial identity service through
OidcVerifier (OAuth2/OIDC authorization-code flow): the citizen signs in at
the provincial service and the name and ID number it returns in ``userinfo``
are compared with what the citizen entered.
"""

import abc
import base64
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed

from .idnumbers import id_number_normalize, id_number_validate


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    method: str
    message: str


class RealNameVerifier(abc.ABC):
    method = "none"
    # True: the citizen is sent to the identity service and back (authorization_url,
    # then verify_callback); False: verify() answers at once.
    redirect_flow = False

    @abc.abstractmethod
    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        """Each concrete class implements this."""


class ChecksumOnlyVerifier(RealNameVerifier):
    """Development: accepts any well-formed number and says that nothing more was checked."""

    method = "checksum-only"

    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        try:
            id_number_validate(id_number)
        except ValidationFailed as exc:
            return VerificationResult(False, self.method, str(exc.message))
        return VerificationResult(
            True,
            self.method,
            _(
                "Only the format and check digit of the ID number were checked; the name "
                "was not compared with the population register (development verifier)."
            ),
        )


class OidcVerifier(RealNameVerifier):
    """OAuth2/OIDC authorization-code client for a provincial identity service.

    Settings (or environment): IDENTITY_OIDC_ISSUER, IDENTITY_OIDC_CLIENT_ID,
    IDENTITY_OIDC_CLIENT_SECRET, IDENTITY_OIDC_SCOPE (default "openid profile"),
    IDENTITY_OIDC_NAME_CLAIM ("name"), IDENTITY_OIDC_ID_CLAIM ("id_number").
    Endpoints come from the issuer's /.well-known/openid-configuration. The
    claims are read from the userinfo endpoint with the access token (a
    server-to-server call over TLS), so the id_token signature is not relied on.
    """

    method = "oidc"
    redirect_flow = True
    timeout = 10

    def __init__(self, *, issuer: str | None = None, client_id: str | None = None,
                 client_secret: str | None = None, scope: str | None = None):
        self.issuer = (issuer or settings.IDENTITY_OIDC_ISSUER).rstrip("/")
        self.client_id = client_id or settings.IDENTITY_OIDC_CLIENT_ID
        self.client_secret = client_secret or settings.IDENTITY_OIDC_CLIENT_SECRET
        self.scope = scope or settings.IDENTITY_OIDC_SCOPE
        self.name_claim = settings.IDENTITY_OIDC_NAME_CLAIM
        self.id_claim = settings.IDENTITY_OIDC_ID_CLAIM
        self._config: dict | None = None

    def _get_json(self, url: str, headers: dict | None = None) -> dict:
        request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured https issuer
            return json.loads(response.read().decode("utf-8"))

    def configuration(self) -> dict:
        if self._config is None:
            self._config = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        return self._config

    @staticmethod
    def new_state() -> str:
        return secrets.token_urlsafe(24)

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str = "") -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scope,
            "state": state,
        }
        if nonce:
            params["nonce"] = nonce
        return self.configuration()["authorization_endpoint"] + "?" + urllib.parse.urlencode(params)

    def exchange_code(self, *, code: str, redirect_uri: str) -> dict:
        """Trade the authorization code for tokens (client_secret_basic)."""
        body = urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        ).encode()
        basic = base64.b64encode(
            f"{urllib.parse.quote(self.client_id)}:{urllib.parse.quote(self.client_secret)}".encode()
        ).decode()
        request = urllib.request.Request(
            self.configuration()["token_endpoint"],
            data=body,
            headers={"Authorization": f"Basic {basic}",
                     "Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))

    def userinfo(self, *, access_token: str) -> dict:
        return self._get_json(
            self.configuration()["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
        )

    def verify_callback(self, *, code: str, redirect_uri: str, name: str, id_number: str) -> VerificationResult:
        """Finish the flow: exchange the code, read the claims, compare them with the input."""
        try:
            tokens = self.exchange_code(code=code, redirect_uri=redirect_uri)
            claims = self.userinfo(access_token=tokens["access_token"])
        except (OSError, KeyError, ValueError):
            return VerificationResult(
                False, self.method,
                _("The identity service could not be reached. Please try again later."),
            )
        same_number = id_number_normalize(str(claims.get(self.id_claim, ""))) == id_number_normalize(id_number)
        same_name = str(claims.get(self.name_claim, "")).strip() == name.strip()
        if same_number and same_name:
            return VerificationResult(True, self.method, _("Verified by the identity service."))
        return VerificationResult(
            False, self.method,
            _("The name or ID number does not match the identity service's records. Please check them."),
        )

    def verify(self, *, name: str, id_number: str) -> VerificationResult:
        # Verification needs the citizen to sign in at the identity service.
        return VerificationResult(
            False, self.method,
            _("Please confirm your identity by signing in at the identity service."),
        )


@lru_cache(maxsize=4)
def _verifier(path: str) -> RealNameVerifier:
    return import_string(path)()


def real_name_verifier() -> RealNameVerifier:
    return _verifier(settings.IDENTITY_VERIFIER)
