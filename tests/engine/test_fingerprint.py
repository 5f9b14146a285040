"""The fingerprint a worker's table records (SPEC §14) moves with the policy and the rules, and
the rule catalogue's version moves with what the rules find."""

import hashlib
import io
import json
from datetime import date

from casewatch.engine.fingerprint import RULES_VERSION, fingerprint
from casewatch.engine.policy import Policy
from casewatch.simulate.simulation import Simulation, write_jsonl
from tests.support.builders import alerts, run

# What the catalogue finds on a fixed simulated PDU, with RULES_VERSION. A change to a rule that
# changes this is a change a deployment's standing alerts must be re-derived for: bump
# RULES_VERSION, so every worker re-derives its cases, and pin the new digest beside it.
FINDS = (1, "5f48045e88d52226ae8b9d4e5655d4bd")


def findings() -> str:
    buffer = io.StringIO()
    write_jsonl(Simulation(cases=150, seed=14, start=date(2025, 4, 1), days=200,
                           quality=0.6).events(), buffer)
    caseload = run([json.loads(line) for line in buffer.getvalue().splitlines()],
                   "2025-10-31T23:00:00Z")
    found = sorted((a["alertId"], a["status"], a["resolution"], a["openedAt"], a["dueDate"])
                   for a in alerts(caseload))
    return hashlib.sha256(json.dumps(found).encode()).hexdigest()[:32]


def test_the_catalogue_version_moves_with_what_the_rules_find() -> None:
    assert (RULES_VERSION, findings()) == FINDS, (
        "the rules find something else now: bump RULES_VERSION in casewatch/engine/"
        "fingerprint.py (every worker then re-derives its cases) and pin the new digest")


def test_the_fingerprint_moves_with_the_policy_and_only_with_it() -> None:
    default = fingerprint(Policy())
    assert fingerprint(Policy()) == default
    assert fingerprint(Policy({"A-KS-01": {"working_days": 5}})) == default  # the default
    assert fingerprint(Policy({"A-KS-01": {"working_days": 3}})) != default
    assert fingerprint(Policy({"I-KS-01": {"high_rosh_days": 14}})) != default
