"""A real Prometheus (Debian's package) for the tests: scrapes given targets, runs our rules."""

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casewatch.kafka.broker import free_port

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "rules"


class Prometheus:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def query(self, expr: str) -> list[dict[str, Any]]:
        query = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{query}", timeout=10) as answer:
            body = json.loads(answer.read())
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def wait_for(self, expr: str, timeout: float = 60.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(expr)
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError(f"no data for {expr} within {timeout}s")


@contextmanager
def prometheus(home: Path, targets: list[str]) -> Iterator[Prometheus]:
    binary = shutil.which("prometheus")
    assert binary is not None, "prometheus is missing: ./run test installs it"
    port = free_port()
    config = home / "prometheus.yml"
    config.write_text(json.dumps({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES / "casewatch.rules.yml")],
        "scrape_configs": [{"job_name": "casewatch-worker",
                            "static_configs": [{"targets": targets}]}],
    }))
    log = (home / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={home / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        server = Prometheus(port)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError((home / "prometheus.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        process.wait(30)
