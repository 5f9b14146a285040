"""StallWatch: a partition is stalled exactly when work waits and nothing moved for the bound."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from casewatch.worker.stall import StallWatch

WALL = datetime(2026, 11, 27, 12, tzinfo=UTC)

# One look every few seconds: (seconds since the last look, committed moved?, lag, clock moved?)
looks = st.lists(st.tuples(st.floats(0.5, 30), st.booleans(), st.integers(0, 5), st.booleans()),
                 min_size=1, max_size=40)


@given(looks)
def test_stalled_exactly_when_work_waits_and_nothing_moved_for_the_bound(
    history: list[tuple[float, bool, int, bool]],
) -> None:
    watch = StallWatch(stall_seconds=60, tick_seconds=None)  # event clock: lag is the work
    now, committed, clock = 0.0, 0, WALL
    last_progress: float | None = None
    for gap, moved, lag, ticked in history:
        now += gap
        if moved:
            committed += 1
        if ticked:
            clock += timedelta(seconds=1)
        if moved or ticked or last_progress is None:  # the first look starts the bound
            last_progress = now
        watch.observe(0, now, committed=committed, lag=lag, clock=clock)
        expected = lag > 0 and now - last_progress >= 60
        assert watch.stalled(now) == ([0] if expected else [])


def test_a_wall_clock_partition_without_ticks_is_waiting() -> None:
    watch = StallWatch(stall_seconds=120, tick_seconds=30)
    watch.observe(3, 0.0, committed=10, lag=0, clock=WALL, wall=WALL)
    assert watch.stalled(200.0) == []  # its clock is current: nothing waits
    watch.observe(3, 200.0, committed=10, lag=0, clock=WALL, wall=WALL + timedelta(seconds=91))
    assert watch.stalled(200.0) == [3]  # three ticks late and idle for 200 s
    watch.observe(3, 201.0, committed=10, lag=0, clock=WALL + timedelta(seconds=120),
                  wall=WALL + timedelta(seconds=121))
    assert watch.stalled(201.0) == []  # a tick arrived: progress


def test_a_partition_with_no_clock_yet_waits_for_its_first_tick() -> None:
    watch = StallWatch(stall_seconds=10, tick_seconds=1)
    watch.observe(0, 0.0, committed=0, lag=0, clock=None, wall=WALL)
    watch.observe(0, 11.0, committed=0, lag=0, clock=None, wall=WALL)
    assert watch.stalled(11.0) == [0]


def test_recovering_or_newly_owned_partitions_get_a_fresh_bound() -> None:
    watch = StallWatch(stall_seconds=10, tick_seconds=None)
    watch.observe(0, 0.0, committed=5, lag=3, clock=None)
    watch.observe(0, 50.0, committed=5, lag=3, clock=None, recovering=True)
    assert watch.stalled(55.0) == []
    assert watch.stalled(60.0) == [0]
    watch.forget({0})
    watch.observe(0, 100.0, committed=5, lag=3, clock=None)  # owned again
    assert watch.stalled(105.0) == []
    health = watch.health(105.0)
    assert [(h.partition, h.waiting, h.lag, h.idle_seconds) for h in health] == [(0, True, 3, 5.0)]


def test_a_backlog_s_slices_are_progress_and_stopping_part_way_is_not() -> None:
    """The tick that drives a re-derivation (SPEC §14) or a midnight's overdue cases waits
    uncommitted until every case is done; the slices done in the meantime are progress, a
    backlog that stops is a stall."""
    watch = StallWatch(stall_seconds=120, tick_seconds=None)
    watch.observe(1, 0.0, committed=5, lag=1, clock=WALL, slices=0)
    for step in range(1, 10):
        watch.observe(1, step * 100.0, committed=5, lag=1, clock=WALL, slices=step * 100)
        assert watch.stalled(step * 100.0) == []
    watch.observe(1, 1_000.0, committed=5, lag=1, clock=WALL, slices=900)
    watch.observe(1, 1_100.0, committed=5, lag=1, clock=WALL, slices=900)
    assert watch.stalled(1_100.0) == [1]
