"""Where a breach falls in a case's supervision window: from allocation until closure (SPEC §4).

An obligation can arise before the case reaches its team (a curfew imposed at sentence, a
referral recorded before allocation). It is the allocated team's from the allocation, so a
breach whose time would fall before the allocation falls at the allocation instead, unless what
meets it had already happened by then. Nothing breaches at or after closure.
"""

from dataclasses import replace
from datetime import datetime

from casewatch.engine.rule import Finding


def place(finding: Finding, allocated_at: datetime, closed_at: datetime | None) -> Finding | None:
    """The finding as a breach of the case's window, or None if it is not one.

    A finding moved to the allocation instant still needs its satisfier to be *before* the
    breach time to be met (SPEC §1): one exactly at the allocation resolves it there and then.
    """
    if finding.opened_at < allocated_at:
        satisfied_at = finding.satisfied_at
        if satisfied_at is not None and satisfied_at < allocated_at:
            return None  # met before the team had the case: nothing was left to breach
        finding = replace(finding, opened_at=allocated_at)
    if closed_at is not None and finding.opened_at >= closed_at:
        return None
    return finding
