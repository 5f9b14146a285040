"""Every input offset taken once at least: the events agent's check on what faust hands it.

The rebalance soak (`./run bench soak`) found cases missing exactly one event after repeated
rebalances: an event never applied, never dead-lettered, its offset committed past. faust's
fetcher records a message as read even when a rebalance stops it reaching the agent, and the
next generation then drops the re-fetched messages below that mark; its commit guard tolerates
one missing offset at the head of what was acked (faust-streaming#596 and kin). Detect it,
never hide it: the agent knows, per partition, the next offset it must take, and anything
else is a gap.

The events topic is neither compacted nor transactional, so its offsets are contiguous. A gap
is answered by seeking back to the first missing offset; messages beyond the gap still buffered
are dropped unacked (they come again). If the re-fetch shows the offsets really are absent
(deleted by retention, or markers from a transactional producer), the gap is accepted and
reported: nothing in the log can be taken there.

Pure: the shell says where each partition starts and what arrives; this says what to do.
"""

from dataclasses import dataclass
from enum import Enum


class Step(Enum):
    TAKE = "take"  # process it (a re-delivered offset is taken again: the engine ignores repeats)
    SEEK = "seek"  # offsets are missing before it: seek back to `expected`, do not ack it
    DROP = "drop"  # still buffered beyond a gap already sought back: do not ack it
    ABSENT = "absent"  # the re-fetch confirms `expected`..offset-1 are not in the log: take it


@dataclass(frozen=True)
class Verdict:
    step: Step
    expected: int  # the offset this partition was waiting for


@dataclass
class _Gap:
    expected: int
    seen: int  # the first offset beyond it, the one that revealed it


class Continuity:
    def __init__(self) -> None:
        self._next: dict[int, int] = {}
        self._gaps: dict[int, _Gap] = {}

    def knows(self, partition: int) -> bool:
        return partition in self._next

    def begin(self, partition: int, position: int) -> None:
        """The partition's first message since assignment is due: it starts at `position`,
        the group's committed offset (or the log's start where nothing was committed)."""
        self._next[partition] = position
        self._gaps.pop(partition, None)

    def forget(self, partitions: set[int]) -> None:
        """Partitions revoked: whoever owns them next starts from the committed offset."""
        for partition in partitions:
            self._next.pop(partition, None)
            self._gaps.pop(partition, None)

    def check(self, partition: int, offset: int) -> Verdict:
        expected = self._next[partition]
        gap = self._gaps.get(partition)
        if offset <= expected:
            self._next[partition] = max(expected, offset + 1)
            self._gaps.pop(partition, None)
            return Verdict(Step.TAKE, expected)
        if gap is None:
            self._gaps[partition] = _Gap(expected, offset)
            return Verdict(Step.SEEK, expected)
        if offset > gap.seen:
            return Verdict(Step.DROP, expected)
        # At or before the message that revealed the gap, yet past `expected`: the re-fetch
        # began here, so the offsets in between are not in the log.
        self._next[partition] = offset + 1
        del self._gaps[partition]
        return Verdict(Step.ABSENT, expected)
