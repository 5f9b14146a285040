"""A real OpenID Connect provider for the sign-in tests: Keycloak's distribution (from Maven
Central, once, into .keycloak/) started in dev mode on a loopback port, with the realm of
deploy/keycloak/realm.json imported through its admin API under a name and redirect address of
the test's own."""

import json
import os
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from casewatch import http
from casewatch.kafka.broker import free_port, require_java
from tests.support.live import wait_answering

PROJECT = Path(__file__).resolve().parents[2]
VERSION = "26.4.0"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
HOME = PROJECT / ".keycloak"
DIST = HOME / f"keycloak-{VERSION}"
REALM = PROJECT / "deploy" / "keycloak" / "realm.json"
ADMIN = ("admin", "admin-test-only")
PASSWORD = "password123456"  # every user of the test realm's


def fetch() -> Path:
    """The distribution, unpacked once (about 170 MB)."""
    if (DIST / "bin" / "kc.sh").exists():
        return DIST
    mvn = shutil.which("mvn")
    if mvn is None:
        pytest.skip("Maven is needed to fetch Keycloak")
    HOME.mkdir(exist_ok=True)
    # Run inside .keycloak: the plugin leaves its markers (what it unpacked already) under the
    # working directory, and markers that outlive what they mark make it unpack nothing.
    result = subprocess.run([mvn, "-q", "-B", "dependency:unpack", f"-Dartifact={ARTIFACT}",
                             f"-DoutputDirectory={HOME}"], capture_output=True, text=True,
                            check=False, cwd=HOME)
    if result.returncode != 0 or not (DIST / "bin" / "kc.sh").exists():
        raise AssertionError(f"fetching Keycloak failed: {result.stdout[-2000:]}"
                             f"{result.stderr[-2000:]}")
    return DIST


@dataclass
class Keycloak:
    url: str

    def issuer(self, realm: str) -> str:
        return f"{self.url}/realms/{realm}"

    def admin_token(self) -> str:
        status, body = http.send_form(
            f"{self.url}/realms/master/protocol/openid-connect/token",
            {"grant_type": "password", "client_id": "admin-cli", "username": ADMIN[0],
             "password": ADMIN[1]})
        assert status == 200, body
        token: str = json.loads(body)["access_token"]
        return token

    def realm(self, name: str, site: str) -> str:
        """The test realm imported as `name`, its casewatch-web client sending people back to
        `site`: its issuer."""
        realm: dict[str, Any] = json.loads(REALM.read_text())
        realm["realm"] = name
        for client in realm["clients"]:
            if client["clientId"] == "casewatch-web":
                client["redirectUris"] = [f"{site}/sign-in/callback"]
                client["webOrigins"] = [site]
                client["attributes"]["post.logout.redirect.uris"] = f"{site}/"
        status, body = http.send(f"{self.url}/admin/realms", method="POST",
                                 body=json.dumps(realm).encode(),
                                 headers={"Authorization": f"Bearer {self.admin_token()}",
                                          "Content-Type": "application/json"})
        assert status == 201, body
        return self.issuer(name)

    def password_token(self, realm: str, user: str) -> str:
        """An access token for `user`, as a program holding their credentials would get one."""
        status, body = http.send_form(
            f"{self.issuer(realm)}/protocol/openid-connect/token",
            {"grant_type": "password", "username": user, "password": PASSWORD,
             "scope": "openid"}, basic=("casewatch-api-test", "casewatch-api-test-secret"))
        assert status == 200, body
        token: str = json.loads(body)["access_token"]
        return token


@contextmanager
def keycloak(home: Path) -> Iterator[Keycloak]:
    java = require_java()
    dist = fetch()
    port = free_port()
    log = (home / "keycloak.log").open("wb")
    env = {**os.environ, "JAVA_HOME": str(Path(java).resolve().parents[1]),
           "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN[0], "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN[1],
           "JAVA_OPTS_KC_HEAP": "-Xms128m -Xmx768m"}
    process = subprocess.Popen(
        [str(dist / "bin" / "kc.sh"), "start-dev", f"--http-port={port}",
         "--http-host=127.0.0.1", "--db=dev-mem", "--cache=local",
         f"--http-management-port={free_port()}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_answering(f"{url}/realms/master", process, home / "keycloak.log", 180)
        yield Keycloak(url)
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(30)


def login_form(html: str) -> str:
    """The action of Keycloak's sign-in form."""
    import re

    found = re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', html)
    assert found, "no sign-in form on the page"
    return urllib.parse.unquote(found.group(1).replace("&amp;", "&"))
