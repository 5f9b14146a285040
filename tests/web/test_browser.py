"""The live worklist in a real browser (Debian's Chromium, driven by Playwright), on the real
broker and worker, signed in through a real OpenID provider (Keycloak), silencing through a real
Alertmanager; every page checked by axe-core for WCAG 2.2 A and AA, and shot for the docs."""

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from casewatch import http
from casewatch.delivery.alertmanager import get_silences
from casewatch.kafka.broker import Broker, free_port
from casewatch.kafka.settings import Settings
from tests.support.alertmanager import alertmanager
from tests.support.builders import contact
from tests.support.keycloak import PASSWORD, Keycloak
from tests.support.live import PROJECT, WorkerProcess, cli, publish_and_start, run_to_end
from tests.support.serve import serve_settings, serving
from tests.support.web import AS_OF, DIRECTORY, history

CHROMIUM = "/usr/bin/chromium"
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
DOCS = PROJECT / "docs"


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # Root in a container: Chromium's sandbox needs user namespaces it may not have.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def sign_in(page: Page, user: str) -> None:
    """Keycloak's sign-in page, as a person fills it in."""
    page.get_by_label("Username or email").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def accessible(page: Page) -> None:
    """No WCAG 2.0/2.1/2.2 A or AA violation that axe-core finds on the page as it stands."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}}))
        .violations.map(v => ({id: v.id, impact: v.impact,
                               nodes: v.nodes.map(n => n.target.join(' '))}))""")
    assert result == [], f"{page.url}: {json.dumps(result, indent=1)}"


def shown_crns(page: Page) -> list[str]:
    return [row.get_attribute("data-crn") or "" for row in page.locator("tr[data-crn]").all()]


@pytest.fixture
def stream(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in history()))
    return path


def test_managers_and_a_pdu_head_work_the_live_worklist_in_a_browser(
        kafka: Broker, provider: Keycloak, browser: Browser, workers: list[WorkerProcess],
        stream: Path, tmp_path: Path) -> None:
    settings = Settings().isolated(f"t{uuid.uuid4().hex[:10]}", kafka.bootstrap, partitions=1,
                                   state_dir=tmp_path / "state", clock="event")
    publish_and_start(settings, workers, tmp_path / "state", stream.read_bytes())
    run_to_end(settings, workers, AS_OF)
    replayed = json.loads(cli(settings, "worklist", str(stream), "--as-of", AS_OF, "--pdu",
                              "pdu-a", "--team", "team-a", "--format", "json"))
    port = free_port()
    issuer = provider.realm(f"r{uuid.uuid4().hex[:8]}", f"http://127.0.0.1:{port}")
    (tmp_path / "am").mkdir()
    with alertmanager(tmp_path / "am") as am:
        served = serve_settings(settings, tmp_path / "serve", issuer, DIRECTORY, am.url, port)
        with serving(served, tmp_path / "serve.log", "--regions", "north-east") as site:
            program(site.url, provider, issuer, replayed, stream)
            manager_a(browser, site.url, replayed, settings, workers, am.url)
            manager_b_and_nobody(browser, site.url)
            pdu_head(browser, site.url)
        log = (tmp_path / "serve.log").read_text()
    # Refusals are logged with who asked and what kind of page, never a CRN.
    refusals = [line for line in log.splitlines() if "refused" in line]
    assert refusals and not any("A000" in line or "B000" in line for line in refusals)


def program(site: str, provider: Keycloak, issuer: str, replayed: dict[str, Any],
            stream: Path) -> None:
    """A program with the manager's bearer token from the provider gets SPEC §10's worklist
    object: replay's cases, and replay's due-soon list at the worklist's own clock."""
    token = provider.password_token(issuer.rsplit("/", 1)[1], "manager_a")
    status, body = http.send(f"{site}/teams/pdu-a/team-a", headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json"})
    assert status == 200
    live = json.loads(body)
    assert live["cases"] == replayed["cases"]
    at_its_clock = json.loads(subprocess.run(
        [sys.executable, "-m", "casewatch", "worklist", str(stream), "--as-of", live["asOf"],
         "--pdu", "pdu-a", "--team", "team-a", "--format", "json"], cwd=PROJECT,
        capture_output=True, check=True).stdout)
    assert live["dueSoon"] == at_its_clock["dueSoon"] and live["dueSoon"]
    status, _ = http.send(f"{site}/teams/pdu-a/team-b", headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json"})
    assert status == 403
    status, _ = http.send(f"{site}/teams/pdu-a/team-a", headers={
        "Authorization": f"Bearer {token[:-4]}AAAA", "Accept": "application/json"})
    assert status == 401


def manager_a(browser: Browser, site: str, replayed: dict[str, Any], settings: Settings,
              workers: list[WorkerProcess], alertmanager: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.goto(f"{site}/")
    sign_in(page, "manager_a")
    expect(page.get_by_role("heading", name="Your teams")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="team-a").click()
    expect(page.get_by_role("heading", name="Worklist: team-a")).to_be_visible()

    # Exactly the team's cases, in SPEC §10's order, with the counts replay gives.
    assert shown_crns(page) == [c["crn"] for c in replayed["cases"]]
    for case in replayed["cases"]:
        row = page.locator(f'tr[data-crn="{case["crn"]}"]')
        assert row.locator("li[data-alert]").count() == len(case["alerts"])
    assert "B000001" not in page.content() and "Z000001" not in page.content()
    accessible(page)
    page.screenshot(path=str(DOCS / "serve-worklist.png"), full_page=True)

    # A case: its alerts with evidence, its deadlines, its team.
    page.get_by_role("link", name="A000001").first.click()
    expect(page.get_by_role("heading", name="Case A000001")).to_be_visible()
    opened = page.locator("div.casewatch-alert[data-alert]")
    ids = [opened.nth(i).get_attribute("data-alert") for i in range(opened.count())]
    i_en_01 = next(i for i in ids if i and i.startswith("I-EN-01"))
    accessible(page)
    page.screenshot(path=str(DOCS / "serve-case.png"), full_page=True)

    # A late contact arrives: the alert resolves on the page, with no reload.
    page.evaluate("window.notReloaded = true")
    cli(settings, "publish", "-", stdin=json.dumps(
        contact("2025-07-21T10:00:00+01:00", crn="A000001")).encode() + b"\n")
    expect(page.locator(f'div.casewatch-alert[data-alert="{i_en_01}"]')).to_have_count(
        0, timeout=60_000)
    expect(page.locator(f'tr[data-alert="{i_en_01}"]')).to_have_count(1)
    expect(page.get_by_role("status")).to_contain_text("Updated")
    assert page.evaluate("window.notReloaded") is True

    # A silence from the page: in Alertmanager, and on the page.
    first = page.locator("form.casewatch-silence").first
    rule = first.locator('input[name="rule"]').get_attribute("value")
    first.get_by_label("Why silence").select_option("AWAITING_PARTNER_AGENCY")
    first.get_by_label("For how long").select_option("3")
    first.get_by_role("button").click()
    expect(page.get_by_text(f"Alerts of rule {rule} on this case are silenced")).to_be_visible()
    held = [s for s in get_silences(alertmanager) if s["status"]["state"] == "active"]
    assert [(s["createdBy"], s["comment"]) for s in held] == [
        ("manager_a", "AWAITING_PARTNER_AGENCY")]
    assert {(m["name"], m["value"]) for m in held[0]["matchers"]} >= {("crn", "A000001"),
                                                                      ("rule", rule)}
    expect(page.get_by_text("until")).to_have_count(1)
    accessible(page)

    # Another team is refused.
    answer = page.goto(f"{site}/teams/pdu-a/team-b")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="You cannot see this page")).to_be_visible()
    accessible(page)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def manager_b_and_nobody(browser: Browser, site: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site}/teams/pdu-a/team-b")
    sign_in(page, "manager_b")
    expect(page.get_by_role("heading", name="Worklist: team-b")).to_be_visible()
    assert shown_crns(page) == ["B000001"]
    assert page.goto(f"{site}/cases/A000001").status == 403  # type: ignore[union-attr]
    context.close()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site}/")
    sign_in(page, "nobody")
    expect(page.get_by_role("heading", name="You cannot see this page")).to_be_visible()
    context.close()


def pdu_head(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/")
    sign_in(page, "head_a")
    expect(page.get_by_role("heading", name="pdu-a: teams side by side")).to_be_visible()
    teams = [r.get_attribute("data-team") for r in page.locator("tr[data-team]").all()]
    assert teams == ["team-a", "team-b"]
    accessible(page)
    page.screenshot(path=str(DOCS / "serve-overview.png"), full_page=True)
    page.get_by_role("link", name="team-b").click()
    assert shown_crns(page) == ["B000001"]
    expect(page.locator("form.casewatch-silence")).to_have_count(0)
    context.close()
