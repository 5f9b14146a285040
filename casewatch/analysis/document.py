"""`casewatch analyse` (SPEC §12): the analysis a PDU head reads, as one JSON document.

Needs and services, disproportionality and oversight capacity for the cases in scope (allocated,
held by `--pdu` as of the clock, if given), every count under disclosure control unless the PDU
asks for exact counts for its own case-level work. The renderings are made from this document,
so they all say the same thing.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casewatch.analysis.disproportionality import GroupCounts, group_rows
from casewatch.analysis.needs import NeedCounts, count_needs, need_rows
from casewatch.analysis.oversight import Loads, count_loads, load_rows
from casewatch.analysis.profile import profiled
from casewatch.engine.alert import wire_timestamp
from casewatch.engine.caseload import Caseload
from casewatch.engine.worklist import Scope


@dataclass
class AnalysisCounts:
    """What the analysis counts over the cases in scope. The counts of several caseloads (a
    caseload's partitions) add up, so the analysis never needs every case at once."""

    needs: NeedCounts = field(default_factory=NeedCounts)
    groups: GroupCounts = field(default_factory=GroupCounts)
    loads: Loads = field(default_factory=Loads)

    def absorb(self, other: "AnalysisCounts") -> None:
        self.needs.update(other.needs)
        self.groups.absorb(other.groups)
        self.loads.absorb(other.loads)


def count_analysis(scope: Scope, caseload: Caseload) -> AnalysisCounts:
    """The counts of the caseload's cases in scope (allocated, held in scope at its clock)."""
    assert caseload.now is not None
    now = caseload.now
    cases = [case for case in caseload.cases.values()
             if scope.holds(case.facts.assignment_at(now))]
    counts = AnalysisCounts(count_needs(cases, now), GroupCounts(), count_loads(cases, now))
    for case in cases:
        if (read := profiled(case, now)) is not None:
            counts.groups.add(read)
    return counts


def build_analysis(caseload: Caseload, scope: Scope, *, disclosure: bool = True) -> dict[str, Any]:
    assert caseload.now is not None
    return analysis_document(caseload.now, scope, count_analysis(scope, caseload),
                             disclosure=disclosure)


def analysis_document(now: datetime, scope: Scope, counts: AnalysisCounts, *,
                      disclosure: bool = True) -> dict[str, Any]:
    return {
        "asOf": wire_timestamp(now),
        "scope": {"pdu": scope.pdu},
        "disclosureControl": disclosure,
        "needs": [row.to_json() for row in need_rows(counts.needs, disclosure=disclosure)],
        "disproportionality": [row.to_json()
                               for row in group_rows(counts.groups, disclosure=disclosure)],
        "oversight": load_rows(counts.loads, disclosure=disclosure),
    }
