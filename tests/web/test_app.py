"""The live worklist's pages and JSON: who may see what, what they see, and the headers and
checks around it. A Standing filled from replay stands in for the topics; tokens are minted by
a local issuer (the real sign-in is tests/web/test_signin.py)."""

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from casewatch.delivery.alertmanager import get_silences
from casewatch.delivery.worklist import build_worklist
from casewatch.engine.worklist import Scope
from casewatch.web.access import MANAGER, PDU_HEAD
from tests.support.alertmanager import alertmanager
from tests.support.web import Site, site

CRN = re.compile(r"\b[A-Z][0-9]{6}\b")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    with site(tmp_path) as found:
        yield found


def test_nobody_signed_in_is_sent_to_sign_in_and_a_program_gets_401(web: Site) -> None:
    page = web.client.get("/teams/pdu-a/team-a")
    assert page.status_code == 303 and page.headers["location"] == "/sign-in"
    api = web.client.get("/teams/pdu-a/team-a", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    forged = web.client.get("/teams/pdu-a/team-a", headers={"Authorization": "Bearer x.y.z"})
    assert forged.status_code == 401


def test_a_manager_gets_their_team_s_worklist_as_replay_ranks_it(web: Site) -> None:
    answer = web.client.get("/teams/pdu-a/team-a", headers=web.bearer("MANAGER_A", MANAGER))
    assert answer.status_code == 200
    assert answer.json() == build_worklist(web.caseload, Scope("pdu-a", "team-a"), 5)
    assert [c["crn"] for c in answer.json()["cases"]] == ["A000003", "A000002", "A000001"]


def test_anything_else_is_403_and_logged_without_case_data(
        web: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "casewatch.serve")
    mgr_a = web.bearer("MANAGER_A", MANAGER)
    assert web.client.get("/teams/pdu-a/team-b", headers=mgr_a).status_code == 403
    assert web.client.get("/pdus/pdu-a", headers=mgr_a).status_code == 403
    other, missing = (web.client.get(f"/cases/{crn}", headers=mgr_a)
                      for crn in ("B000001", "X999999"))
    assert other.status_code == missing.status_code == 403
    assert other.content == missing.content  # whether a case exists is not told
    assert web.client.get("/cases/A000001", headers=mgr_a).status_code == 200
    # A role without a directory entry, or an entry without the role, reaches nothing.
    assert web.client.get("/teams/pdu-a/team-a",
                          headers=web.bearer("STRANGER", MANAGER)).status_code == 403
    assert web.client.get("/teams/pdu-a/team-a",
                          headers=web.bearer("MANAGER_A")).status_code == 403
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) >= 6 and all("MANAGER_A" in r or "STRANGER" in r for r in refusals)
    assert not any(CRN.search(r) for r in refusals)


def test_a_pdu_head_sees_the_overview_and_every_team(web: Site) -> None:
    head = web.bearer("HEAD_A", PDU_HEAD)
    overview = web.client.get("/pdus/pdu-a", headers=head).json()
    assert [t["team"] for t in overview["teams"]] == ["team-a", "team-b"]
    team_a = web.client.get("/teams/pdu-a/team-a", headers=head).json()
    row = overview["teams"][0]
    assert row["cases"] == len(team_a["cases"])
    assert sum(row["open"].values()) == sum(len(c["alerts"]) for c in team_a["cases"])
    assert row["dueSoon"] == len(team_a["dueSoon"]) > 0
    assert web.client.get("/pdus/pdu-z", headers=head).status_code == 403
    web.sign_in("HEAD_A", PDU_HEAD)
    assert web.client.get("/").headers["location"] == "/pdus/pdu-a"


def test_pages_show_the_worklist_in_order_with_what_to_do(web: Site) -> None:
    web.sign_in("MANAGER_A", MANAGER)
    page = web.client.get("/teams/pdu-a/team-a")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    rows = re.findall(r'data-crn="([A-Z][0-9]{6})"', page.text)
    assert rows == ["A000003", "A000002", "A000001"]
    assert "What to do:" in page.text and "Due in the next 5 working days" in page.text
    assert "A000004" in page.text  # due soon
    filtered = web.client.get("/teams/pdu-a/team-a?practitioner=PR2")
    assert re.findall(r'data-crn="([A-Z][0-9]{6})"', filtered.text) == ["A000002"]
    case = web.client.get("/cases/A000003")
    assert "A-KS-07" in case.text and "Evidence:" in case.text
    assert 'name="csrf"' in case.text  # a manager may silence from here
    home = web.client.get("/")
    assert home.status_code == 200 and "/teams/pdu-a/team-a" in home.text
    assert "<script>" not in page.text and "onclick" not in page.text


def test_every_answer_carries_the_security_headers(web: Site, tmp_path: Path) -> None:
    web.sign_in("MANAGER_A", MANAGER)
    page = web.client.get("/teams/pdu-a/team-a")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in page.headers  # plain HTTP: no HSTS
    cookie = web.client.get("/sign-in").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    css = web.client.get("/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
    assert web.client.get("/static/casewatch.js").status_code == 200
    with site(tmp_path / "tls", public="https://casewatch.test") as tls:
        answer = tls.client.get("/health")
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        assert "secure" in tls.client.get("/sign-in").headers["set-cookie"].lower()


def test_a_silence_needs_the_session_s_csrf_token_and_carries_codes_only(
        tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    with alertmanager(tmp_path / "am") as am, site(tmp_path / "site", am.url) as web:
        token = web.sign_in("MANAGER_A", MANAGER)
        form = {"rule": "A-KS-07", "days": "7", "reason": "ACTION_BOOKED"}
        assert web.client.post("/cases/A000003/silences", data=form).status_code == 403
        assert web.client.post("/cases/A000003/silences",
                               data={**form, "csrf": "wrong"}).status_code == 403
        other_site = web.client.post("/cases/A000003/silences", data={**form, "csrf": token},
                                     headers={"Origin": "https://evil.example"})
        assert other_site.status_code == 403
        assert web.client.post("/cases/A000003/silences", data={
            **form, "reason": "free text", "csrf": token}).status_code == 400
        assert web.client.post("/cases/A000003/silences", data={
            **form, "rule": "NOT-A-RULE", "csrf": token}).status_code == 400
        assert get_silences(am.url) == []
        made = web.client.post("/cases/A000003/silences", data={**form, "csrf": token})
        assert made.status_code == 303
        assert made.headers["location"] == "/cases/A000003?silenced=A-KS-07"
        [held] = get_silences(am.url)
        assert {(m["name"], m["value"]) for m in held["matchers"]} == {
            ("alertname", "CasewatchCaseAlert"), ("crn", "A000003"), ("rule", "A-KS-07")}
        assert held["createdBy"] == "MANAGER_A" and held["comment"] == "ACTION_BOOKED"
        page = web.client.get(made.headers["location"]).text
        assert "Silenced" in page and "action booked" in page
        worklist = web.client.get("/teams/pdu-a/team-a",
                                  headers=web.bearer("MANAGER_A", MANAGER)).json()
        [silenced] = [a for c in worklist["cases"] for a in c["alerts"] if "silence" in a]
        assert silenced["ruleId"] == "A-KS-07" and silenced["silence"]["by"] == "MANAGER_A"
        # A PDU head looks, and does not silence.
        head = web.sign_in("HEAD_A", PDU_HEAD)
        assert web.client.post("/cases/A000003/silences",
                               data={**form, "csrf": head}).status_code == 403
        assert len(get_silences(am.url)) == 1


def test_a_session_ends_with_its_token_and_sign_out_needs_the_token(web: Site) -> None:
    web.sign_in("MANAGER_A", MANAGER, lasts=-1)
    assert web.client.get("/teams/pdu-a/team-a").status_code == 303
    token = web.sign_in("MANAGER_A", MANAGER)
    assert web.client.post("/sign-out", data={}).status_code == 403
    assert web.client.get("/teams/pdu-a/team-a").status_code == 200
    assert web.client.post("/sign-out", data={"csrf": token}).status_code == 303
    assert web.client.get("/teams/pdu-a/team-a").status_code == 303


def test_a_long_worklist_comes_a_page_of_cases_at_a_time(web: Site) -> None:
    from starlette.requests import Request

    from casewatch.web.app import Pages

    def pages(query: str, total: int) -> Pages:
        return Pages.of(Request({"type": "http", "query_string": query.encode(),
                                 "headers": []}), total)

    first = pages("practitioner=PR1", 120)
    assert (first.number, first.count, first.first, first.last) == (1, 3, 1, 50)
    assert first.href(2) == "?practitioner=PR1&page=2"
    last = pages("page=9", 120)
    assert (last.number, last.first, last.last) == (3, 101, 120)
    assert pages("page=nonsense", 0).count == 1
    web.sign_in("MANAGER_A", MANAGER)
    page = web.client.get("/teams/pdu-a/team-a?page=2")  # past the end: the last page
    assert re.findall(r'data-crn="([A-Z][0-9]{6})"', page.text) == ["A000003", "A000002",
                                                                     "A000001"]


def test_a_deployment_with_no_alert_yet_is_served_and_one_catching_up_says_so(
        web: Site) -> None:
    from casewatch.delivery.standing import Standing

    live = web.service.live
    live.standing = Standing()
    headers = web.bearer("MANAGER_A", MANAGER)
    empty = web.client.get("/teams/pdu-a/team-a", headers=headers)
    assert empty.status_code == 200 and empty.json()["cases"] == []
    assert web.client.get("/health").status_code == 200
    live.catching_up = True
    assert web.client.get("/teams/pdu-a/team-a", headers=headers).status_code == 503
    assert web.client.get("/cases/A000001", headers=headers).status_code == 503  # not 403
    assert web.client.get("/health").status_code == 503
