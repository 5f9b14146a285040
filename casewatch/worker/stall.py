"""No silent stall: which of a worker's partitions have work waiting and make no progress.

A monitoring system that goes quiet without saying so is worse than none. faust-streaming#596
can leave a partition unconsumed or uncommitted after a rebalance, and then deadlines on its
cases silently stop breaching. Consumer lag alone is too slow a signal at a PDU's rate of a few
events an hour, so the worker watches each input partition it owns itself:

- *progress*: the partition's committed offsets (events and ticks) moved, or its clock did,
  or it did a slice of its backlog: cases re-derived after a policy change (§14), or fired
  overdue after a midnight (the tick that drives either is committed only once every case is
  done, minutes at national size);
- *work waiting*: messages behind the committed offsets, or, with a wall clock, the
  partition's clock more than three tick intervals behind the wall (ticks stopped);
- *stalled*: work waiting and no progress for `stall_seconds`. A partition still recovering
  its table, or newly assigned, counts as progressing until it has had a fair chance.

Pure: the worker's shell feeds it observations and monotonic time; it does no I/O.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class _Partition:
    since: float  # monotonic time of the last progress (or of assignment, or recovery)
    committed: int
    clock: datetime | None
    slices: int = 0  # slices of the backlog done
    waiting: bool = False
    lag: int = 0


@dataclass(frozen=True)
class PartitionHealth:
    partition: int
    stalled: bool
    waiting: bool
    lag: int
    idle_seconds: float  # since the last progress


class StallWatch:
    def __init__(self, stall_seconds: float, tick_seconds: float | None) -> None:
        """`tick_seconds` is the wall-clock tick interval; None with an event clock."""
        self.stall_seconds = stall_seconds
        self.tick_seconds = tick_seconds
        self._partitions: dict[int, _Partition] = {}

    def observe(self, partition: int, now: float, *, committed: int, lag: int,
                clock: datetime | None, wall: datetime | None = None,
                recovering: bool = False, slices: int = 0) -> None:
        """One look at a partition: its committed offsets (summed over its topics), how many
        messages wait behind them, its clock and how many slices of its backlog it has done
        (a count that only grows); `now` is monotonic, `wall` the wall clock."""
        state = self._partitions.get(partition)
        if state is None or recovering or committed > state.committed or clock != state.clock \
                or slices > state.slices:
            state = self._partitions[partition] = _Partition(now, committed, clock, slices)
        behind = self.tick_seconds is not None and wall is not None and (
            clock is None or wall - clock > timedelta(seconds=3 * self.tick_seconds))
        state.waiting = lag > 0 or behind
        state.lag = lag

    def forget(self, partitions: set[int]) -> None:
        """Partitions this worker no longer owns."""
        for partition in partitions:
            self._partitions.pop(partition, None)

    def health(self, now: float) -> list[PartitionHealth]:
        return [
            PartitionHealth(partition, state.waiting and now - state.since >= self.stall_seconds,
                            state.waiting, state.lag, now - state.since)
            for partition, state in sorted(self._partitions.items())
        ]

    def stalled(self, now: float) -> list[int]:
        return [h.partition for h in self.health(now) if h.stalled]
