"""SPEC §14 in the worker's shell: a table written under one policy, taken on under another,
ends with every alert as replay under the new policy places it, whatever the slices, the cases
kept open, or an interruption part way; only what differs is published; and once every case is
re-derived the table says so, so the next start re-derives nothing."""

import json
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.engine.snapshot import POLICY_KEY
from casewatch.schemas.parse import parse_event
from casewatch.worker.watch import Outcome, PartitionWatch
from tests.support.rocks import LocalTable
from tests.support.strategies import AS_OF, caseload_history
from tests.worker.test_files import local_table, wire

END = datetime.fromisoformat(AS_OF)

policies = st.builds(lambda ks, en: Policy({"A-KS-01": {"working_days": ks},
                                            "A-EN-01": {"working_days": en}}),
                     st.integers(1, 30), st.integers(1, 60))


def replayed(history: list[dict[str, Any]], policy: Policy) -> dict[str, dict[str, Any]]:
    caseload = Caseload(policy)
    for item in history:
        caseload.apply(parse_event(json.dumps(item)))
    caseload.advance(END)
    return {view.alert_id: view.to_wire() for view in caseload.alerts()}


def standing(alerts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: a for key, a in alerts.items() if a["resolution"] != "WITHDRAWN"}


def hear(outcomes: list[Outcome], heard: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    changes = []
    for outcome in outcomes:
        for state in wire(outcome.restored) + wire(outcome.changes):
            heard[state["alertId"]] = state
        changes += wire(outcome.changes)
    return changes


def tick(table: LocalTable, watch: PartitionWatch, most: int | None = None) -> list[Outcome]:
    """The tick the worker sends itself on taking a changed partition on, a slice at a time
    (at most `most` slices: an interruption)."""
    outcomes = []
    for outcome in watch.tick(END):
        outcomes.append(table.settle(watch, outcome))
        if most is not None and len(outcomes) >= most:
            break
    return outcomes


@settings(max_examples=60, deadline=None)
@given(history=caseload_history(), new=policies, data=st.data())
def test_a_changed_policy_ends_as_replay_under_it(history: list[dict[str, Any]], new: Policy,
                                                  data: st.DataObject) -> None:
    open_cases = data.draw(st.integers(1, 3), label="open cases")
    slices = data.draw(st.integers(1, 3), label="cases per slice")
    interrupted = data.draw(st.none() | st.integers(1, 3), label="slices before a restart")
    heard: dict[str, dict[str, Any]] = {}
    with local_table() as table:
        old = PartitionWatch(Policy(), table.scan, open_cases, slices)
        hear([table.settle(old, old.opening())], heard)
        for item in history:
            hear([table.take(old, json.dumps(item).encode())], heard)
        hear(tick(table, old), heard)
        assert standing(heard) == standing(replayed(history, Policy()))
        before = dict(heard)

        watch = PartitionWatch(new, table.scan, open_cases, slices)
        changes = hear([table.settle(watch, watch.opening())], heard)
        if interrupted is not None:  # killed, or revoked, part way: taken on afresh
            changes += hear(tick(table, watch, interrupted), heard)
            watch = PartitionWatch(new, table.scan, open_cases, slices)
            changes += hear([table.settle(watch, watch.opening())], heard)
        changes += hear(tick(table, watch), heard)
        assert watch.reconsidered
        assert standing(heard) == standing(replayed(history, new))
        # Only what differs is published: an unchanged alert is never a change.
        assert all(state != before.get(state["alertId"]) for state in changes)
        assert next(iter(table.scan(POLICY_KEY)))[0] == POLICY_KEY

        again = PartitionWatch(new, table.scan, open_cases, slices)
        hear([table.settle(again, again.opening())], heard)
        assert not again.reconsidering and hear(tick(table, again), heard) == []


def test_a_policy_that_moves_a_deadline_opens_an_alert_and_moving_it_back_withdraws_it(
        ) -> None:
    """A-KS-01 from 5 working days to 1: an enquiry made on day 3 was in time and is now late;
    back to 5, the alert is withdrawn."""
    from tests.support.builders import allocated, at, enquiry

    history = [allocated(at("2025-07-01"), rosh="HIGH", registrations=["ADVP"]),
               enquiry(at("2025-07-04"), "POLICE_DOMESTIC_ABUSE", "e1")]
    default, strict = replayed(history, Policy()), replayed(
        history, Policy({"A-KS-01": {"working_days": 1}}))
    assert {a["ruleId"] for a in standing(strict).values()} - {
        a["ruleId"] for a in standing(default).values()} == {"A-KS-01"}
    heard: dict[str, dict[str, Any]] = {}
    with local_table() as table:
        old = PartitionWatch(Policy(), table.scan)
        table.settle(old, old.opening())
        for item in history:
            hear([table.take(old, json.dumps(item).encode())], heard)
        hear(tick(table, old), heard)
        watch = PartitionWatch(Policy({"A-KS-01": {"working_days": 1}}), table.scan)
        assert watch.reconsidering == {"X123456": None}
        hear([table.settle(watch, watch.opening())], heard)
        changes = hear(tick(table, watch), heard)
        # Late, then met: it stands, resolved SATISFIED.
        assert {(c["ruleId"], c["resolution"]) for c in changes} == {("A-KS-01", "SATISFIED")}
        assert standing(heard) == standing(strict)
        back = PartitionWatch(Policy(), table.scan)  # and back again: it is withdrawn
        hear([table.settle(back, back.opening())], heard)
        changes = hear(tick(table, back), heard)
        assert [(c["ruleId"], c["resolution"]) for c in changes] == [("A-KS-01", "WITHDRAWN")]
        assert standing(heard) == standing(default)


# -- on the real broker -------------------------------------------------------------------------

# One deadline tighter (alerts open), one looser (alerts withdrawn).
NEW_POLICY = '[rules."A-KS-01"]\nworking_days = 2\n\n[rules."A-EN-01"]\nworking_days = 40\n'


def replayed_under(stream: bytes, policy: Policy) -> dict[str, Any]:
    from casewatch.replay.evaluate import replay
    from casewatch.replay.report import Cohort

    return replay(stream.splitlines(keepends=True), policy=policy, as_of=None, cohort=Cohort())


def test_a_worker_restarted_under_a_new_policy_ends_as_replay_under_it(
        settings: Any, workers: list[Any], tmp_path: Any) -> None:
    from tests.support.live import final_alerts, run_through_worker, run_to_end, start_worker
    from tests.worker.test_worker import simulated

    stream = simulated(80, seed=21)
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(NEW_POLICY)
    old, new = replayed_under(stream, Policy()), replayed_under(stream, Policy.load(policy_file))
    first = run_through_worker(settings, workers, tmp_path / "w1", stream, old["asOf"])
    before = standing(final_alerts(settings))
    assert before == standing({a["alertId"]: a for a in old["alerts"]})
    first.stop()
    second = start_worker(settings, workers, tmp_path / "w1", "--policy", str(policy_file))
    run_to_end(settings, [second], old["asOf"])
    after = standing(final_alerts(settings))
    expected = standing({a["alertId"]: a for a in new["alerts"]})
    assert after == expected
    # The change meant something: alerts withdrawn, alerts opened, deadlines moved.
    assert set(before) - set(after) and set(after) - set(before)
    assert any(after[k]["dueDate"] != before[k]["dueDate"] for k in set(after) & set(before))
    assert "the policy or rules changed: re-deriving" in second.log.read_text()
    # Restarted again under the same policy: nothing to re-derive.
    second.stop()
    third = start_worker(settings, workers, tmp_path / "w1", "--policy", str(policy_file))
    run_to_end(settings, [third], old["asOf"])
    assert "re-deriving" not in third.log.read_text()
    assert standing(final_alerts(settings)) == expected


def test_a_rebalance_and_a_kill_mid_re_derivation_end_as_replay_under_the_new_policy(
        settings: Any, workers: list[Any], tmp_path: Any) -> None:
    import time
    from dataclasses import replace

    from tests.support.live import run_through_worker, run_to_end, start_worker, wait_for_group
    from tests.worker.test_worker import assert_standing_as_replayed, simulated

    settings = replace(settings, partitions=4, slice_cases=2)  # many slices: room to interrupt
    stream = simulated(160, seed=22)
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(NEW_POLICY)
    old, new = replayed_under(stream, Policy()), replayed_under(stream, Policy.load(policy_file))
    first = run_through_worker(settings, workers, tmp_path / "w1", stream, old["asOf"])
    first.stop()
    second = start_worker(settings, workers, tmp_path / "w1", "--policy", str(policy_file))
    deadline = time.monotonic() + 120
    while "re-deriving" not in second.log.read_text():
        assert time.monotonic() < deadline, second.log.read_text()
        time.sleep(0.1)
    third = start_worker(settings, workers, tmp_path / "w2", "--policy", str(policy_file))
    wait_for_group(settings, members=2)  # the partitions shared: a rebalance mid-way
    second.kill()  # and one of the two killed outright
    fourth = start_worker(settings, workers, tmp_path / "w1", "--policy", str(policy_file))
    run_to_end(settings, [third, fourth], old["asOf"])
    assert_standing_as_replayed(settings, new, [third, fourth])
