"""A partition's events go before its clock's backlog: a slice of the backlog waits while events
wait, for at most its limit, and not at all when none does (casewatch/worker/precedence.py)."""

import asyncio
import time

from casewatch.worker.precedence import EventsFirst


def test_a_slice_waits_until_the_events_written_before_it_are_taken() -> None:
    ends = {0: 10}
    first = EventsFirst(ends.get, most=5.0)
    order: list[str] = []

    async def events() -> None:
        for offset in range(10):
            await asyncio.sleep(0.001)
            order.append(f"event {offset}")
            first.took(0, offset)

    async def backlog() -> None:
        await first.turn(0)
        order.append("slice")

    async def both() -> None:
        first.took(0, -1)  # nothing taken yet: 10 events wait
        await asyncio.gather(backlog(), events())

    asyncio.run(both())
    assert order == [*(f"event {n}" for n in range(10)), "slice"]


def test_with_no_event_waiting_a_slice_goes_on_at_once() -> None:
    first = EventsFirst({0: 5}.get, most=5.0)
    first.took(0, 4)  # the last written is taken
    began = time.monotonic()
    asyncio.run(first.turn(0))
    assert time.monotonic() - began < 1.0
    assert not first.waiting(0)
    nothing: dict[int, int] = {}
    assert not EventsFirst(nothing.get).waiting(0)  # no fetch yet: nothing known to wait


def test_a_slice_waits_no_longer_than_its_limit_for_events_never_taken() -> None:
    first = EventsFirst({0: 100}.get, most=0.2)
    first.took(0, 0)  # 99 events wait, and the events agent takes none (hung)
    began = time.monotonic()
    asyncio.run(first.turn(0))
    waited = time.monotonic() - began
    assert 0.2 <= waited < 2.0
    assert first.waiting(0)


def test_a_partition_revoked_releases_a_slice_waiting_for_it() -> None:
    first = EventsFirst({0: 100}.get, most=30.0)
    first.took(0, 0)

    async def revoke_soon() -> float:
        began = time.monotonic()
        waiting = asyncio.ensure_future(first.turn(0))
        await asyncio.sleep(0.05)
        first.forget(0)
        await waiting
        return time.monotonic() - began

    assert asyncio.run(revoke_soon()) < 5.0
    assert not first.waiting(0)  # nothing is known of it now
