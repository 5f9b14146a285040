"""Detail fetches over real HTTP (casewatch/ingest/fetch.py) against the stand-in token endpoint
and detail API: a client-credentials token, reused and renewed once when refused; an allow-list
compared by scheme and authority before any connection; no redirect followed; what may work
later told apart from what never will; the secret in no reason."""

import logging
from pathlib import Path

import pytest

from casewatch.ingest.detail import Unreachable
from casewatch.ingest.envelope import Refusal
from casewatch.ingest.fetch import DetailSource, allow_list
from tests.support.hmpps_apis import CLIENT_ID, SECRET, TOKEN_PATH, StandIn


def source(stand: StandIn, tmp_path: Path, secret: str = SECRET) -> DetailSource:
    (tmp_path / "secret").write_text(secret + "\n")
    return DetailSource(stand.url, stand.url + TOKEN_PATH, CLIENT_ID, str(tmp_path / "secret"))


def test_a_token_is_taken_once_and_sent_as_a_bearer(detail_api: StandIn,
                                                     tmp_path: Path) -> None:
    detail_api.pages["/a"] = {"n": 1}
    detail_api.pages["/b"] = {"n": 2}
    fetch = source(detail_api, tmp_path)
    assert fetch(detail_api.url + "/a") == {"n": 1}
    assert fetch(detail_api.url + "/b") == {"n": 2}
    assert detail_api.issued == ["token-1"] and detail_api.hits[TOKEN_PATH] == 1


def test_a_refused_token_is_renewed_once(detail_api: StandIn, tmp_path: Path) -> None:
    detail_api.pages["/a"] = {"n": 1}
    fetch = source(detail_api, tmp_path)
    fetch(detail_api.url + "/a")
    detail_api.refused_tokens.add("token-1")  # revoked before it expired
    assert fetch(detail_api.url + "/a") == {"n": 1}
    assert detail_api.issued == ["token-1", "token-2"]
    detail_api.refused_tokens.add("token-2")
    detail_api.refused_tokens.add("token-3")
    with pytest.raises(Unreachable, match=r"refused casewatch's token \(HTTP 401\)"):
        fetch(detail_api.url + "/a")


def test_wrong_client_credentials_are_unreachable_and_never_echo_the_secret(
        detail_api: StandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Unreachable) as failure:
        source(detail_api, tmp_path, secret="not-the-secret")(detail_api.url + "/a")
    assert failure.value.reason == \
        "the token endpoint refused the client credentials (HTTP 401)"
    assert "not-the-secret" not in caplog.text + failure.value.reason
    assert detail_api.hits["/a"] == 0


def test_a_secret_file_gone_mid_rotation_is_unreachable_and_a_new_one_is_taken_up(
        detail_api: StandIn, tmp_path: Path) -> None:
    detail_api.pages["/a"] = {"n": 1}
    fetch = source(detail_api, tmp_path)
    (tmp_path / "secret").unlink()
    with pytest.raises(Unreachable, match=r"secret file could not be read \(FileNotFoundError\)"):
        fetch(detail_api.url + "/a")  # the message stays on the queue
    (tmp_path / "secret").write_text(SECRET + "\n")
    assert fetch(detail_api.url + "/a") == {"n": 1}


def test_hosts_off_the_allow_list_are_never_contacted(detail_api: StandIn, elsewhere: StandIn,
                                                      tmp_path: Path) -> None:
    elsewhere.pages["/a"] = {"n": 1}
    fetch = source(detail_api, tmp_path)
    for url in (elsewhere.url + "/a",
                detail_api.url.replace("http://", "https://") + "/a",  # another scheme
                f"http://user@{detail_api.url.removeprefix('http://')}/a",  # another authority
                f"{detail_api.url}.evil.example/a"):
        with pytest.raises(Refusal, match="not on CASEWATCH_DETAIL_HOSTS"):
            fetch(url)
    assert elsewhere.requests == 0 and detail_api.requests == 0  # not even for a token


def test_a_redirect_off_the_allow_list_is_not_followed(detail_api: StandIn, elsewhere: StandIn,
                                                       tmp_path: Path) -> None:
    elsewhere.pages["/a"] = {"n": 1}
    detail_api.redirects["/moved"] = elsewhere.url + "/a"
    with pytest.raises(Refusal, match=r"answered HTTP 302"):
        source(detail_api, tmp_path)(detail_api.url + "/moved")
    assert elsewhere.requests == 0


def test_what_may_work_later_is_unreachable_and_what_never_will_is_refused(
        detail_api: StandIn, tmp_path: Path) -> None:
    fetch = source(detail_api, tmp_path)
    detail_api.failing["/a"] = 1
    detail_api.pages["/a"] = {"n": 1}
    with pytest.raises(Unreachable, match=r"HTTP 503"):
        fetch(detail_api.url + "/a")
    assert fetch(detail_api.url + "/a") == {"n": 1}
    with pytest.raises(Refusal, match="answered HTTP 404"):
        fetch(detail_api.url + "/absent")
    detail_api.pages["/list"] = [1, 2]
    with pytest.raises(Refusal, match="not a JSON object"):
        fetch(detail_api.url + "/list")
    with pytest.raises(Unreachable, match="could not be reached"):
        DetailSource("http://127.0.0.1:9", "http://127.0.0.1:9/t", CLIENT_ID,
                     str(tmp_path / "secret"))("http://127.0.0.1:9/a")


def test_the_allow_list_takes_only_scheme_and_authority() -> None:
    assert allow_list(" https://a.example , http://127.0.0.1:8080/") == frozenset(
        {("https", "a.example"), ("http", "127.0.0.1:8080")})
    for bad in ("a.example", "ftp://a.example", "https://a.example/eor", "https://"):
        with pytest.raises(ValueError, match="is not scheme://host"):
            allow_list(bad)
