"""Bearer tokens are verified as HMPPS Auth's are: RS256 by a published key, the issuer and
audience configured, not expired; anything else is refused with a reason, never a crash."""

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from casewatch.web.access import MANAGER
from casewatch.web.oidc import Attempt, Provider, SignInError, TokenRefused
from tests.support.issuer import MintedIssuer, minted_issuer


@pytest.fixture
def issuer() -> Iterator[MintedIssuer]:
    with minted_issuer() as found:
        yield found


def provider(issuer: MintedIssuer, tmp_path: Path) -> Provider:
    secret = tmp_path / "secret"
    secret.write_text("s3cret")
    return Provider(issuer.url, "casewatch-web", str(secret), "casewatch")


def test_a_good_token_names_its_user_and_roles(issuer: MintedIssuer, tmp_path: Path) -> None:
    verified = provider(issuer, tmp_path).verify(issuer.token("MGR1", (MANAGER, "ROLE_OTHER")))
    assert verified.person.user == "MGR1"
    assert verified.person.roles == {MANAGER, "ROLE_OTHER"}


@pytest.mark.parametrize(("change", "reason"), [
    ({"lasts": -120}, "expired"),
    ({"audience": "someone-else"}, "for another audience"),
    ({"issuer": "http://127.0.0.1:1/realms/evil"}, "from another issuer"),
    ({"user": None}, "names nobody"),
])
def test_bad_tokens_are_refused_with_a_reason(issuer: MintedIssuer, tmp_path: Path,
                                              change: dict[str, object], reason: str) -> None:
    with pytest.raises(TokenRefused, match=reason):
        provider(issuer, tmp_path).verify(issuer.token(**change))  # type: ignore[arg-type]


def test_a_token_signed_otherwise_is_refused(issuer: MintedIssuer, tmp_path: Path) -> None:
    checker = provider(issuer, tmp_path)
    good = issuer.token("MGR1", (MANAGER,))
    head, body, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["authorities"] = ["ROLE_CASEWATCH_PDU_HEAD"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenRefused, match="signature"):
        checker.verify(f"{head}.{forged}.{signature}")
    symmetric = jwt.encode({"iss": issuer.url, "aud": "casewatch", "exp": 2**31,
                            "user_name": "X"}, "a" * 32, algorithm="HS256",
                           headers={"kid": "k1"})
    with pytest.raises(TokenRefused, match="RS256"):
        checker.verify(symmetric)
    with pytest.raises(TokenRefused, match="not a JWT"):
        checker.verify("not-a-token")
    issuer.add_key("rogue", publish=False)
    with pytest.raises(TokenRefused, match="key the issuer does not publish"):
        checker.verify(issuer.token(kid="rogue"))


def test_a_rotated_key_is_fetched_once_when_first_seen(issuer: MintedIssuer,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casewatch.web.oidc.KEYS_AGAIN", 0.0)
    checker = provider(issuer, tmp_path)
    checker.verify(issuer.token())
    checker.verify(issuer.token())
    assert issuer.jwks_fetches == 1
    issuer.add_key("k2")
    assert checker.verify(issuer.token(kid="k2")).person.user == "MGR1"
    assert issuer.jwks_fetches == 2


def test_an_issuer_that_names_another_is_not_trusted(issuer: MintedIssuer,
                                                     tmp_path: Path) -> None:
    wrong = Provider(issuer.url + "-other", "casewatch-web", str(tmp_path / "s"), "casewatch")
    with pytest.raises(SignInError):
        wrong.verify(issuer.token())
    unreachable = Provider("http://127.0.0.1:9/realms/x", "c", str(tmp_path / "s"), "casewatch")
    with pytest.raises(SignInError, match="could not be reached"):
        unreachable.authorize_url(Attempt.new(), "http://127.0.0.1/cb")


def test_the_authorization_request_carries_state_nonce_and_pkce(issuer: MintedIssuer,
                                                                 tmp_path: Path) -> None:
    attempt = Attempt.new()
    url = provider(issuer, tmp_path).authorize_url(attempt, "http://127.0.0.1:1/sign-in/callback")
    assert url.startswith(f"{issuer.url}/auth?")
    for part in (f"state={attempt.state}", f"nonce={attempt.nonce}",
                 f"code_challenge={attempt.challenge}", "code_challenge_method=S256",
                 "response_type=code", "scope=openid"):
        assert part in url
    assert attempt.verifier not in url
