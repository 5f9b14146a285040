"""Continuity: against a consumer that loses messages, every offset in the log is taken."""

from hypothesis import given
from hypothesis import strategies as st

from casewatch.worker.continuity import Continuity, Step


def test_in_order_and_redelivered_offsets_are_taken() -> None:
    continuity = Continuity()
    continuity.begin(0, 5)
    assert [continuity.check(0, o).step for o in (5, 6, 6, 3, 7)] == [Step.TAKE] * 5


def test_a_missing_first_offset_seeks_back_and_stale_messages_are_dropped() -> None:
    """The soak's case: committed 40, the first message faust hands over is 41."""
    continuity = Continuity()
    continuity.begin(0, 40)
    first = continuity.check(0, 41)
    assert (first.step, first.expected) == (Step.SEEK, 40)
    assert continuity.check(0, 42).step is Step.DROP  # still buffered from before the seek
    assert [continuity.check(0, o).step for o in (40, 41, 42)] == [Step.TAKE] * 3


def test_offsets_really_absent_are_accepted_once_the_refetch_shows_it() -> None:
    continuity = Continuity()
    continuity.begin(1, 10)
    assert continuity.check(1, 13).step is Step.SEEK
    assert continuity.check(1, 14).step is Step.DROP
    absent = continuity.check(1, 13)  # the re-fetch from 10 starts at 13: 10..12 are gone
    assert (absent.step, absent.expected) == (Step.ABSENT, 10)
    assert continuity.check(1, 14).step is Step.TAKE


def test_partitions_are_independent_and_forgotten_on_revocation() -> None:
    continuity = Continuity()
    continuity.begin(0, 0)
    continuity.begin(1, 100)
    assert continuity.check(1, 100).step is Step.TAKE
    assert continuity.check(0, 2).step is Step.SEEK
    continuity.forget({0})
    assert not continuity.knows(0) and continuity.knows(1)


@st.composite
def faulty_logs(draw: st.DrawFn) -> tuple[list[int], set[int], int, list[int]]:
    """A log (offsets, some absent), where consumption starts, which deliveries faust loses
    (indexes into the delivery sequence) and how many stale messages follow a seek."""
    size = draw(st.integers(1, 40))
    absent = draw(st.sets(st.integers(0, size - 1), max_size=size // 3))
    present = [o for o in range(size) if o not in absent]
    start = draw(st.integers(0, size - 1))
    lost = draw(st.sets(st.integers(0, 80), max_size=6))
    stale = draw(st.lists(st.integers(0, 3), min_size=10, max_size=10))
    return present, lost, start, stale


@given(faulty_logs())
def test_every_present_offset_below_one_taken_is_taken_and_only_absent_ones_are_accepted_as_gaps(
    case: tuple[list[int], set[int], int, list[int]],
) -> None:
    present, lost, start, stale = case
    continuity = Continuity()
    continuity.begin(0, start)
    taken: set[int] = set()
    accepted_absent: set[int] = set()
    queue = [o for o in present if o >= start]
    deliveries = seeks = 0
    highest = -1  # the highest offset taken
    while queue:
        offset = queue.pop(0)
        deliveries += 1
        if deliveries in lost:
            continue  # faust marked it read and never handed it over
        verdict = continuity.check(0, offset)
        if verdict.step in (Step.TAKE, Step.ABSENT):
            taken.add(offset)
            highest = max(highest, offset)
        if verdict.step is Step.ABSENT:
            accepted_absent.update(range(verdict.expected, offset))
        if verdict.step is Step.SEEK:
            keep = stale[seeks % len(stale)]  # a few stale messages reach the agent first
            queue = queue[:keep] + [o for o in present if o >= verdict.expected]
            seeks += 1
        assert deliveries < 10_000, "no progress"
    # A lost last message shows only as lag that never clears: StallWatch's to report.
    assert taken == {o for o in present if start <= o <= highest}
    assert accepted_absent.isdisjoint(present)
