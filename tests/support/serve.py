"""`casewatch serve` run as an operator runs it, for the live tests and the benchmark: its
secrets in files, a directory of who sees what, the sign-in provider given."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from casewatch.kafka.broker import free_port
from casewatch.kafka.settings import Settings
from tests.support.live import wait_answering

PROJECT = Path(__file__).resolve().parents[2]
CLIENT_SECRET = "casewatch-web-test-secret"  # deploy/keycloak/realm.json's


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def serve_settings(settings: Settings, home: Path, issuer: str, directory: str,
                   alertmanager: str = "", port: int | None = None) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    secret, key, staff = home / "client-secret", home / "session-key", home / "directory.toml"
    secret.write_text(CLIENT_SECRET)
    key.write_text(os.urandom(32).hex())
    staff.write_text(directory)
    port = port or free_port()
    return replace(settings, serve_port=port, public_url=f"http://127.0.0.1:{port}",
                   oidc_issuer=issuer, oidc_client_secret_file=str(secret),
                   session_key_file=str(key), directory=str(staff),
                   alertmanager_urls=alertmanager)


@contextmanager
def serving(settings: Settings, log: Path, *args: str) -> Iterator[Served]:
    """`casewatch serve` with these settings, once it has read the alert topics."""
    process = subprocess.Popen(
        [sys.executable, "-m", "casewatch", "serve", *args], cwd=PROJECT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **settings.environment()},
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = settings.public_url
    try:
        wait_answering(f"{url}/health", process, log)
        yield Served(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
