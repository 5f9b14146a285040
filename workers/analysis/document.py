"""`casewatch analyse` (SPEC §12): the analysis a PDU head reads, as one JSON document.

Needs and services, disproportionality and oversight capacity for the cases in scope (allocated,
held by `--pdu` as of the clock, if given), every count under disclosure control unless the PDU
asks for exact counts for its own case-level work. The renderings are made from this document,
so they all say the same thing.
"""

from typing import Any

from workers.analysis.disproportionality import disproportionality
from workers.analysis.needs import needs_and_services
from workers.analysis.oversight import oversight
from workers.analysis.profile import profiled
from workers.engine.alert import wire_timestamp
from workers.engine.caseload import Caseload
from workers.engine.worklist import Scope


def build_analysis(caseload: Caseload, scope: Scope, *, disclosure: bool = True) -> dict[str, Any]:
    assert caseload.now is not None
    now = caseload.now
    cases = [case for case in caseload.cases.values()
             if scope.holds(case.facts.assignment_at(now))]
    return {
        "asOf": wire_timestamp(now),
        "scope": {"pdu": scope.pdu},
        "disclosureControl": disclosure,
        "needs": [row.to_json() for row in needs_and_services(cases, now, disclosure=disclosure)],
        "disproportionality": [
            row.to_json() for row in disproportionality(
                (p for p in (profiled(case, now) for case in cases) if p), disclosure=disclosure)
        ],
        "oversight": oversight(cases, now, disclosure=disclosure),
    }
