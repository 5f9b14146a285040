"""The live worklist's app on a Standing filled from replay, for the web tests: no broker, a
minted-key issuer, a directory of three people, and session cookies made as the app makes them."""

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import itsdangerous
from starlette.testclient import TestClient

from casewatch.delivery.directory import parse
from casewatch.engine.caseload import Caseload
from casewatch.web.app import Service, create_app
from casewatch.web.live import Live
from casewatch.web.oidc import Provider
from casewatch.web.serve import PROJECT
from tests.delivery.test_standing import published, standing_of
from tests.delivery.test_worklist import history as worklist_history
from tests.support.builders import allocated, at
from tests.support.issuer import MintedIssuer, minted_issuer

KEY = "k" * 40
PUBLIC = "http://casewatch.test"
# The test realm's people (deploy/keycloak/realm.json): where each works.
DIRECTORY = """
fallback = "quality@probation.example"
[managers]
SPO1 = "spo1@probation.example"
[staff.MANAGER_A]
pdu = "pdu-a"
teams = ["team-a"]
[staff.MANAGER_B]
pdu = "pdu-a"
teams = ["team-b"]
[staff.HEAD_A]
pdu = "pdu-a"
"""


def history() -> list[dict[str, Any]]:
    """`casewatch worklist`'s test cases (team A: a CRITICAL curfew case, a VERY_HIGH RoSH case
    and a LOW one, and a case allocated the Friday before with deadlines falling due; team B:
    one case), and a case of another PDU."""
    return [*worklist_history(),
            allocated(at("2025-07-01"), crn="Z000001", rosh="HIGH", team="team-z", pdu="pdu-z")]


AS_OF = "2025-07-21T09:00:00+01:00"


@dataclass
class Site:
    client: TestClient
    service: Service
    issuer: MintedIssuer
    caseload: Caseload  # the replay the view was filled from

    def bearer(self, user: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token(user, roles)}",
                "Accept": "application/json"}

    def sign_in(self, user: str, *roles: str, csrf: str = "c" * 32,
                lasts: float = 600) -> str:
        """A session cookie as the app makes one after a sign-in; its CSRF token."""
        import time

        data = {"user": user, "roles": list(roles), "exp": time.time() + lasts, "csrf": csrf}
        signed = itsdangerous.TimestampSigner(KEY).sign(
            base64.b64encode(json.dumps(data).encode()))
        self.client.cookies.clear()
        self.client.cookies.set("casewatch", signed.decode(),
                                domain=self.client.base_url.host)
        return csrf


@contextmanager
def site(tmp_path: Path, alertmanager: str | None = None,
         public: str = PUBLIC) -> Iterator[Site]:
    caseload, records = published(history(), AS_OF)
    tmp_path.mkdir(parents=True, exist_ok=True)
    secret = tmp_path / "client-secret"
    secret.write_text("unused")
    with minted_issuer() as issuer:
        live = Live(alertmanager)
        live.standing = standing_of(records)
        live.catching_up = False
        service = Service(public, Provider(issuer.url, "casewatch-web", str(secret),
                                           "casewatch"),
                          parse(DIRECTORY), live, PROJECT / "node_modules")
        with TestClient(create_app(service, KEY), base_url=public,
                        follow_redirects=False) as client:
            yield Site(client, service, issuer, caseload)
