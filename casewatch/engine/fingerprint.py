"""What a worker's table was computed under (SPEC §14): the effective policy and the rule
catalogue, as one fingerprint. A worker whose fingerprint differs from its table's re-derives
every case before it publishes anything new for it.

The catalogue's part is its version and each rule's id and severity, so adding, removing or
re-grading a rule changes the fingerprint by itself. A change to what a rule finds, for the same
events and policy, must bump `RULES_VERSION`: tests/engine/test_fingerprint.py pins what the
catalogue finds on a fixed stream, and fails until the version and the pin move together.
"""

import hashlib
import json

from casewatch.engine.policy import Policy
from casewatch.engine.rules import RULES

RULES_VERSION = 1


def fingerprint(policy: Policy) -> str:
    document = {"rules": RULES_VERSION,
                "catalogue": [[rule.id, rule.severity.value] for rule in RULES],
                "policy": policy.as_dict()}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
