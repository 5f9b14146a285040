"""docker-compose.yml stays valid (Debian's docker-compose validates it without an engine)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")


def compose(*args: str) -> str:
    assert COMPOSE is not None, "docker-compose is missing: ./run test installs it"
    result = subprocess.run([COMPOSE, "-f", str(PROJECT / "docker-compose.yml"), *args],
                            capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_compose_file_is_valid() -> None:
    compose("config", "-q")


def test_it_runs_the_broker_the_topics_the_worker_and_monitoring() -> None:
    services = set(compose("config", "--services").split())
    assert {"kafka", "topics", "acl", "worker", "demo-publisher", "sqs", "ingest", "prometheus",
            "alertmanager", "grafana", "serve", "sign-in"} <= services


@pytest.mark.parametrize("service", ["kafka", "worker", "ingest", "prometheus", "alertmanager",
                                     "grafana", "serve", "sign-in"])
def test_long_running_services_have_healthchecks(service: str) -> None:
    rendered = compose("config")
    section = rendered.split(f"\n  {service}:\n", 1)[1]
    section = re.split(r"\n  [a-z-]+:\n", section, maxsplit=1)[0]
    assert "healthcheck:" in section, section


def test_the_compose_broker_is_the_version_the_project_pins() -> None:
    pinned = re.search(r"<kafka.version>([^<]+)</kafka.version>",
                       (PROJECT / "deploy/kafka/pom.xml").read_text())
    assert pinned is not None
    assert f"image: apache/kafka:{pinned.group(1)}" in (PROJECT / "docker-compose.yml").read_text()


def test_the_worker_s_state_volume_is_made_in_the_image_for_its_user_alone() -> None:
    """A named volume takes the owner and mode of what the image has at its mount point; where
    the image has nothing it is root's, and a worker running as its own user could not write."""
    composed = (PROJECT / "docker-compose.yml").read_text()
    state = re.search(r"CASEWATCH_STATE_DIR: (\S+)", composed)
    assert state is not None
    assert f"- worker-state:{state.group(1)}" in composed
    dockerfile = (PROJECT / "Dockerfile").read_text()
    user = re.search(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert user is not None
    made = f"install -d -o {user.group(1)} -g {user.group(1)} -m 0700 {state.group(1)}"
    assert made in dockerfile
    assert dockerfile.index(made) < dockerfile.index(f"USER {user.group(1)}")


def test_serve_takes_its_secrets_as_files_and_its_provider_s_issuer() -> None:
    rendered = compose("config")
    section = rendered.split("\n  serve:\n", 1)[1]
    section = re.split(r"\n  [a-z-]+:\n", section, maxsplit=1)[0]
    for variable in ("CASEWATCH_OIDC_CLIENT_SECRET_FILE", "CASEWATCH_SESSION_KEY_FILE",
                     "CASEWATCH_DIRECTORY", "CASEWATCH_SASL_PASSWORD_FILE"):
        assert re.search(rf"{variable}: /run/secrets/\S+", section), variable
    assert "CASEWATCH_OIDC_ISSUER:" in section and "casewatch-web" in section
    assert not re.search(r"(SECRET|PASSWORD|KEY):\s", section)  # only ..._FILE settings
