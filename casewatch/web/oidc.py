"""Signing people in, as HMPPS Auth does it: OpenID Connect's authorization-code flow (with
PKCE, state and nonce) for people in a browser, and bearer JWTs verified against the issuer's
published keys for programs.

Every token is checked the same way: signed RS256 by a key of the issuer's JWKS, `iss` the
issuer configured, `aud` naming casewatch, not expired. Roles are HMPPS Auth's `authorities`
claim, the user its `user_name` (else `sub`). The issuer's metadata comes from its discovery
document, once; its keys are fetched again when a token names a key not yet seen (a key
rotation), at most once a minute. All through casewatch's one HTTP client.
"""

import base64
import hashlib
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from casewatch import http
from casewatch.web.access import Person

LEEWAY = 30  # seconds of clock difference allowed with the issuer
KEYS_AGAIN = 60.0  # seconds at least between two fetches of the issuer's keys


class SignInError(RuntimeError):
    """The provider could not be reached or answered what no sign-in can use (one line)."""


class TokenRefused(ValueError):
    """A token that does not verify: the reason in a few words, never the token."""


@dataclass(frozen=True)
class Verified:
    person: Person
    expires: float  # epoch seconds


@dataclass(frozen=True)
class Attempt:
    """One sign-in under way, kept in the person's session until the provider sends them back."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> "Attempt":
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                   secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Provider:
    def __init__(self, issuer: str, client_id: str, secret_file: str, audience: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.secret_file = Path(secret_file)
        self.audience = audience
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] = {}
        self._keys_at = 0.0
        self._verified: dict[str, Verified] = {}  # bearer tokens seen, until they expire

    # -- the issuer ---------------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            found = self._json(f"{self.issuer}/.well-known/openid-configuration",
                               "the sign-in provider's discovery document")
            if found.get("issuer", "").rstrip("/") != self.issuer:
                raise SignInError("the sign-in provider names another issuer than "
                                  "CASEWATCH_OIDC_ISSUER")
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(found.get(name), str):
                    raise SignInError(f"the sign-in provider's discovery document has no {name}")
            self._metadata = found
        return self._metadata

    def _key(self, kid: str) -> Any:
        if kid not in self._keys and time.monotonic() - self._keys_at >= KEYS_AGAIN:
            self._keys_at = time.monotonic()
            jwks = self._json(self.metadata["jwks_uri"], "the sign-in provider's keys")
            try:
                keys = jwt.PyJWKSet.from_dict(jwks)
            except jwt.PyJWTError:
                raise SignInError("the sign-in provider's keys could not be read") from None
            self._keys = {k.key_id: k.key for k in keys.keys if k.key_id}
        if kid not in self._keys:
            raise TokenRefused("signed by a key the issuer does not publish")
        return self._keys[kid]

    # -- tokens -------------------------------------------------------------------------------

    def known(self, token: str) -> Verified | None:
        """A bearer token verified before and not yet expired: a program polling the worklist
        is not verified again on every request."""
        verified = self._verified.get(token)
        if verified is not None and verified.expires > time.time():
            return verified
        return None

    def verify_bearer(self, token: str) -> Verified:
        verified = self.verify(token)
        if len(self._verified) >= 10_000:
            self._verified = {t: v for t, v in self._verified.items()
                              if v.expires > time.time()}
            if len(self._verified) >= 10_000:
                self._verified.clear()
        self._verified[token] = verified
        return verified

    def verify(self, token: str, *, audience: str | None = None,
               nonce: str | None = None) -> Verified:
        """The person a token names, once its signature, issuer, audience and expiry hold."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused("not a JWT") from None
        if header.get("alg") != "RS256":
            raise TokenRefused("not signed RS256")
        try:
            claims = jwt.decode(token, self._key(str(header.get("kid", ""))),
                                algorithms=["RS256"], audience=audience or self.audience,
                                issuer=self.issuer, leeway=LEEWAY,
                                options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise TokenRefused("expired") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("for another audience") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused("from another issuer") from None
        except jwt.PyJWTError:
            raise TokenRefused("signature or claims invalid") from None
        if nonce is not None and claims.get("nonce") != nonce:
            raise TokenRefused("for another sign-in")
        user = claims.get("user_name") or claims.get("sub")
        roles = claims.get("authorities", [])
        if not isinstance(user, str) or not user:
            raise TokenRefused("names nobody")
        if not isinstance(roles, list):
            roles = []
        return Verified(Person(user, frozenset(r for r in roles if isinstance(r, str))),
                        float(claims["exp"]))

    # -- the authorization-code flow ----------------------------------------------------------

    def authorize_url(self, attempt: Attempt, redirect_uri: str) -> str:
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
            "scope": "openid", "state": attempt.state, "nonce": attempt.nonce,
            "code_challenge": attempt.challenge, "code_challenge_method": "S256"})
        return f"{self.metadata['authorization_endpoint']}?{query}"

    def sign_in(self, code: str, attempt: Attempt, redirect_uri: str) -> Verified:
        """The person the provider signed in: the code exchanged, the ID token checked against
        this attempt, and the roles read from the access token."""
        try:
            secret = self.secret_file.read_text().strip()
        except (OSError, UnicodeDecodeError) as error:
            raise SignInError(f"CASEWATCH_OIDC_CLIENT_SECRET_FILE could not be read "
                              f"({type(error).__name__})") from None
        with http.unreachable_as(SignInError):
            status, body = http.send_form(
                self.metadata["token_endpoint"],
                {"grant_type": "authorization_code", "code": code,
                 "redirect_uri": redirect_uri, "code_verifier": attempt.verifier},
                basic=(self.client_id, secret), what="the sign-in provider's token endpoint")
        if status != 200:
            raise TokenRefused(f"the provider would not exchange the code (HTTP {status})")
        try:
            answer = json.loads(body)
            access, identity = answer["access_token"], answer["id_token"]
        except (ValueError, KeyError, TypeError):
            raise TokenRefused("the provider's answer has no access and ID token") from None
        self.verify(identity, audience=self.client_id, nonce=attempt.nonce)
        return self.verify(access)

    def end_session_url(self, after: str) -> str | None:
        end = self.metadata.get("end_session_endpoint")
        if not isinstance(end, str):
            return None
        return end + "?" + urllib.parse.urlencode({"client_id": self.client_id,
                                                   "post_logout_redirect_uri": after})

    def _json(self, url: str, what: str) -> dict[str, Any]:
        with http.unreachable_as(SignInError):
            status, body = http.send(url, what=what, headers={"Accept": "application/json"})
        if status != 200:
            raise SignInError(f"{what} answered HTTP {status}")
        try:
            value = json.loads(body)
        except ValueError:
            raise SignInError(f"{what} is not JSON") from None
        if not isinstance(value, dict):
            raise SignInError(f"{what} is not a JSON object")
        return value
