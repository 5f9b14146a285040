"""`casewatch rebuild` on the real broker (SPEC §14): the worker that takes a rebuilt table on
takes the next event with nothing re-processed and nothing missed, and ends as replay of every
event; a rebuild after a worker from scratch finds nothing to send (rebuild ≡ worker); a
rebuild interrupted and run again leaves the table a clean one leaves; and it refuses to write
over a deployment a worker has run in."""

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from casewatch.engine.policy import Policy
from casewatch.errors import CommandError
from casewatch.kafka.settings import Settings
from casewatch.rebuild import bulk
from casewatch.rebuild.bulk import changelog_topic, rebuild
from tests.support.live import (
    WorkerProcess,
    cli,
    final_alerts,
    publish_and_start,
    read_topic,
    run_to_end,
    samples,
    start_worker,
    wait_for_group,
    wait_until_processed,
)
from tests.worker.test_worker import (
    assert_standing_as_replayed,
    replayed,
    simulated,
    standing,
)


def applied(worker: WorkerProcess) -> int:
    return int(sum(s.value for s in samples(worker)
                   if s.name == "casewatch_events_total" and s.labels["outcome"] != "rejected"))


def table(settings: Settings) -> dict[bytes, bytes]:
    """The changelog as a worker recovers it: each key's last row."""
    return {key: value for key, value, _ in read_topic(settings, changelog_topic(settings))}


@pytest.fixture
def four(settings: Settings) -> Settings:
    return replace(settings, partitions=4)


def test_a_worker_on_a_rebuilt_table_takes_only_new_events_and_ends_as_replay(
        four: Settings, workers: list[WorkerProcess], tmp_path: Path) -> None:
    stream = simulated(120, seed=31)
    lines = stream.splitlines(keepends=True)
    first, rest = b"".join(lines[:len(lines) * 2 // 3]), b"".join(lines[len(lines) * 2 // 3:])
    cli(four, "topics", "create", "--regions", "north-east")
    cli(four, "publish", "-", stdin=first)
    said = cli(four, "rebuild", "--jobs", "2")
    assert "rebuilt" in said and "cases from" in said, said
    worker = start_worker(four, workers, tmp_path / "w1")
    # Published once the worker holds its partitions: messages arriving while the group forms
    # can leave a partition unfetched (faust-streaming#596; the worker reports the stall).
    wait_for_group(four, members=1)
    cli(four, "publish", "-", stdin=rest)
    report = replayed(stream)
    run_to_end(four, [worker], report["asOf"])
    assert_standing_as_replayed(four, report, [worker])
    # Nothing re-processed: the worker applied exactly the events published after the rebuild.
    assert applied(worker) == len([line for line in rest.splitlines() if line.strip()])
    assert "re-deriving" not in worker.log.read_text()  # the table says which policy


def test_a_rebuild_after_a_worker_from_scratch_has_nothing_to_send(
        four: Settings, workers: list[WorkerProcess], tmp_path: Path) -> None:
    stream = simulated(100, seed=32)
    worker = publish_and_start(four, workers, tmp_path / "w1", stream)
    wait_until_processed(four, [worker])  # each partition at its own clock: no clock advance
    worker.stop()
    # The same deployment: refused, in one line, whatever the worker left.
    with pytest.raises(CommandError, match="has already taken events") as refused:
        rebuild(four, Policy(), jobs=1)
    assert "\n" not in str(refused.value)
    # A fresh deployment over the same topics: the worker already published what it computes.
    fresh = replace(four, app_id=f"{four.app_id}-b")
    done = rebuild(fresh, Policy(), jobs=2)
    assert done.cases == 100 and done.events > 0
    assert (done.alerts_sent, done.deadlines_sent, done.withdrawn) == (0, 0, 0)


def test_a_rebuild_interrupted_and_run_again_ends_as_one_run(
        four: Settings, workers: list[WorkerProcess], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    stream = simulated(100, seed=33)
    cli(four, "topics", "create", "--regions", "north-east")
    cli(four, "publish", "-", stdin=stream)
    sent = bulk.Out.rows

    def fail_at_the_third_partition(out: Any, topic: str, partition: int, rows: Any) -> None:
        if partition == 2:
            out.flush()  # what went before is on the broker: a crash after it
            raise KeyboardInterrupt
        sent(out, topic, partition, rows)

    monkeypatch.setattr(bulk.Out, "rows", fail_at_the_third_partition)
    with pytest.raises(KeyboardInterrupt):
        rebuild(four, Policy(), jobs=1)
    interrupted = table(four)
    assert interrupted  # part written, the offsets not set
    monkeypatch.setattr(bulk.Out, "rows", sent)
    again = rebuild(four, Policy(), jobs=2)
    clean = replace(four, app_id=f"{four.app_id}-clean")
    once = rebuild(clean, Policy(), jobs=2)
    assert table(four) == table(clean)
    assert set(interrupted) < set(table(four))
    assert again.cases == once.cases == 100
    assert once.alerts_sent == 0  # the second run had sent every state already
    worker = start_worker(four, workers, tmp_path / "w1")
    report = replayed(stream)
    run_to_end(four, [worker], report["asOf"])
    assert_standing_as_replayed(four, report, [worker])
    assert standing(final_alerts(four))


def test_a_rebuild_under_a_new_policy_leaves_the_topics_as_replay_under_it(
        settings: Settings, workers: list[WorkerProcess], tmp_path: Path) -> None:
    """Over topics a worker under the old policy wrote (one partition: replay's clock): the
    alerts the new policy removes are withdrawn, those it places open, and no more is sent."""
    from tests.worker.test_policy_change import NEW_POLICY, replayed_under

    stream = simulated(80, seed=34)
    worker = publish_and_start(settings, workers, tmp_path / "w1", stream)
    wait_until_processed(settings, [worker])
    worker.stop()
    before = standing(final_alerts(settings))
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(NEW_POLICY)
    new = Policy.load(policy_file)
    done = rebuild(replace(settings, app_id=f"{settings.app_id}-b"), new, jobs=1)
    expected = standing({a["alertId"]: a for a in replayed_under(stream, new)["alerts"]})
    after = standing(final_alerts(settings))
    assert after == expected
    assert set(before) - set(after) and set(after) - set(before)  # the change meant something
    assert 0 < done.alerts_sent < len(before) + len(after)  # what differs, not everything
