"""A real Alertmanager (Debian's package) with the project's routing and templates, a local SMTP
sink (aiosmtpd) and a webhook receiver: what a PDU manager's inbox would get."""

import json
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from casewatch.delivery.directory import parse, template
from casewatch.kafka.broker import free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "alertmanager"
BINARY = "/usr/bin/prometheus-alertmanager"


@dataclass
class Inbox:
    """Every email the SMTP sink received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def text(self, message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@dataclass
class Webhook:
    payloads: list[dict[str, Any]] = field(default_factory=list)

    def alerts(self) -> list[dict[str, Any]]:
        return [a for p in self.payloads for a in p["alerts"]]


class Alertmanager:
    def __init__(self, url: str, inbox: Inbox, webhook: Webhook) -> None:
        self.url = url
        self.inbox = inbox
        self.webhook = webhook

    def alerts(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=10) as answer:
            result: list[dict[str, Any]] = json.loads(answer.read())
        return result

    def silence(self, matchers: dict[str, str], hours: float = 1.0) -> None:
        now = time.time()
        body = {"matchers": [{"name": k, "value": v, "isRegex": False, "isEqual": True}
                             for k, v in matchers.items()],
                "startsAt": _iso(now - 60), "endsAt": _iso(now + hours * 3600),
                "createdBy": "test", "comment": "a known exception"}
        request = urllib.request.Request(f"{self.url}/api/v2/silences",
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def test_config(smtp_port: int, webhook_url: str, home: Path) -> Path:
    """The committed alertmanager.yml and templates with the test's SMTP sink, webhook and
    seconds instead of minutes and days (repeat intervals stay long: a restart must not mail)."""
    (home / "templates").mkdir()
    (home / "managers").mkdir()
    for tmpl in (DEPLOY / "templates").glob("*.tmpl"):
        shutil.copy(tmpl, home / "templates")
    directory = parse((DEPLOY / "managers.example.toml").read_text())
    (home / "managers" / "managers.tmpl").write_text(template(directory))
    text = (DEPLOY / "alertmanager.yml").read_text()
    replacements = [
        (r"smtp_smarthost: \S+", f"smtp_smarthost: 127.0.0.1:{smtp_port}\n  "
                                 "smtp_require_tls: false"),
        (r"\n  smtp_auth_username: \S+", ""),
        (r"\n  smtp_auth_password_file: \S+", ""),
        (r"/etc/alertmanager/templates/", f"{home}/templates/"),
        (r"/etc/alertmanager/managers/", f"{home}/managers/"),
        (r"https://case-management\.probation\.example/casewatch/cases", webhook_url),
        (r"https://pager\.probation\.example/casewatch/operations", f"{webhook_url}/pager"),
        (r"group_wait: \w+", "group_wait: 1s"),
        (r"group_interval: \w+", "group_interval: 2s"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count, f"alertmanager.yml no longer has {pattern!r}: update the test"
    config = home / "alertmanager.yml"
    config.write_text(text)
    return config


@contextmanager
def json_receiver() -> Iterator[tuple[str, list[Any]]]:
    """A local HTTP endpoint keeping the JSON body of every POST: (its base URL, the bodies).
    A webhook receiver, or a stand-in for Alertmanager's API."""
    bodies: list[Any] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", bodies
    finally:
        server.shutdown()


@contextmanager
def alertmanager(home: Path) -> Iterator[Alertmanager]:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    with json_receiver() as (hook, payloads), _running(home, smtp.port, f"{hook}/cases") as url:
        try:
            yield Alertmanager(url, inbox, Webhook(payloads))
        finally:
            smtp.stop()


@contextmanager
def _running(home: Path, smtp_port: int, webhook_url: str) -> Iterator[str]:
    config = test_config(smtp_port, webhook_url, home)
    port = free_port()
    log = (home / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [BINARY, f"--config.file={config}", f"--storage.path={home / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((home / "alertmanager.log").read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def wait_for(condition: Any, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout}s: {what}")
