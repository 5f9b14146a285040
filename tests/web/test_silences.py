"""A manager's silence carries codes only, and only casewatch's case silences are read back."""

from datetime import UTC, datetime

import pytest

from casewatch.web.silences import REASONS, SilenceRefused, silence_of, silences_held

NOW = datetime(2025, 7, 21, 9, tzinfo=UTC)


def test_a_silence_names_the_case_and_rule_and_lasts_the_days_chosen() -> None:
    body = silence_of("A000001", "A-KS-01", 3, "ACTION_BOOKED", "SPO01_GEN", NOW)
    assert {(m["name"], m["value"], m["isRegex"]) for m in body["matchers"]} == {
        ("alertname", "CasewatchCaseAlert", False), ("crn", "A000001", False),
        ("rule", "A-KS-01", False)}
    assert (body["startsAt"], body["endsAt"]) == ("2025-07-21T09:00:00Z", "2025-07-24T09:00:00Z")
    assert (body["createdBy"], body["comment"]) == ("SPO01_GEN", "ACTION_BOOKED")


@pytest.mark.parametrize(("days", "reason"), [(3, "he is on holiday"), (2, "ACTION_BOOKED"),
                                              (365, "ACTION_BOOKED")])
def test_periods_and_reasons_off_the_lists_are_refused(days: int, reason: str) -> None:
    with pytest.raises(SilenceRefused):
        silence_of("A000001", "A-KS-01", days, reason, "SPO01_GEN", NOW)


def silence(state: str = "active", comment: str = "ACTION_BOOKED",
            **matchers: str) -> dict[str, object]:
    return {"id": "s1", "status": {"state": state}, "endsAt": "2025-07-24T09:00:00Z",
            "createdBy": "SPO01_GEN", "comment": comment,
            "matchers": [{"name": k, "value": v, "isRegex": False, "isEqual": True}
                         for k, v in matchers.items()]}


def test_only_active_silences_of_one_case_and_rule_are_read_back() -> None:
    case = {"alertname": "CasewatchCaseAlert", "crn": "A000001", "rule": "A-KS-01"}
    held = silences_held([
        silence(**case),
        silence("expired", **case),
        silence(alertname="CasewatchCaseAlert", crn="A000002"),  # no rule: not one alert's
        silence(alertname="CasewatchWorkerDown", crn="A000003", rule="A-KS-01"),
        silence(comment="typed by hand: not a code", **{**case, "crn": "A000004"}),
        {"id": "broken"},
    ])
    assert [(s.crn, s.rule, s.reason) for s in held] == [
        ("A000001", "A-KS-01", "ACTION_BOOKED"), ("A000004", "A-KS-01", "OTHER")]
    assert "OTHER" not in REASONS  # a comment not on the list is never shown as written
