"""When a case can breach at all: from its allocation until its closure (SPEC §2, §4)."""

from datetime import datetime

from workers.engine.facts import CaseFacts


def in_window(facts: CaseFacts, moment: datetime) -> bool:
    """Whether a breach at `moment` counts: at or after allocation, before closure."""
    allocation = facts.allocation
    if allocation is None or moment < allocation.at:
        return False
    closed_at = facts.closed_at
    return closed_at is None or moment < closed_at
