"""A case restored from its snapshot carries on exactly as if it had never stopped."""

import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.parse import parse_event
from tests.builders import alerts, allocated, at, run
from tests.strategies import AS_OF, caseload_history
from workers.engine.caseload import Caseload
from workers.engine.snapshot import restore, snapshot


def interrupted(history: list[dict[str, Any]], stop: int) -> Caseload:
    """Replay, snapshot every case after `stop` events, restore into a new caseload, go on."""
    first = run(history[:stop])
    second = Caseload(first.policy)
    if first.now is not None:
        second.advance(first.now)
        for case in first.cases.values():
            restored, _ = restore(snapshot(case, first.now), first.policy)
            second.adopt(restored)
    for item in history[stop:]:
        second.apply(parse_event(json.dumps(item)))
    return second


@given(history=caseload_history(), data=st.data())
def test_restoring_a_snapshot_mid_stream_changes_nothing(history: list[dict[str, Any]],
                                                         data: st.DataObject) -> None:
    stop = data.draw(st.integers(0, len(history)))
    expected = run(history, AS_OF)
    resumed = interrupted(history, stop)
    resumed.advance(datetime.fromisoformat(AS_OF))
    assert alerts(resumed) == alerts(expected)


def test_a_snapshot_is_compact() -> None:
    caseload = run([allocated(at("2025-07-01"))], at("2025-09-01"))
    assert caseload.now is not None
    data = snapshot(caseload.cases["X123456"], caseload.now)
    assert len(data) < 1500


def test_an_unknown_snapshot_format_is_refused() -> None:
    import zlib

    with pytest.raises(ValueError, match="unknown case snapshot format"):
        restore(zlib.compress(b'{"format": 99}'), run([]).policy)
