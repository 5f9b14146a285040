from pathlib import Path

import pytest

from casewatch.engine.policy import DEFAULTS, Policy, PolicyError
from tests.support.builders import allocated, at, enquiry, run, standing


def test_defaults_are_the_specs() -> None:
    policy = Policy()
    assert policy.span("A-KS-01", "working_days").amount == 5
    assert policy.span("I-KS-01", "medium_rosh_days").amount == 42
    assert policy.span("R-EN-01", "other_days").unit == "days"
    assert policy.as_dict() == {rule: dict(params) for rule, params in DEFAULTS.items()}


def test_a_policy_file_overrides_a_deadline(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[rules."A-KS-01"]\nworking_days = 2\n')
    policy = Policy.load(path)
    assert policy.span("A-KS-01", "working_days").amount == 2
    assert policy.span("A-KS-02", "working_days").amount == 5
    # Tue 1 July + 2 working days: due Thu 3 July; an enquiry on Fri 4 July is now late.
    events = [allocated(at("2025-07-01")),
              enquiry(at("2025-07-04"), "POLICE_DOMESTIC_ABUSE", "q1")]
    assert len(standing(run(events, at("2025-07-10"), policy), "A-KS-01")) == 1
    assert standing(run(events, at("2025-07-10")), "A-KS-01") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[rules."Z-KS-99"]\ndays = 1\n', "unknown rule 'Z-KS-99'"),
        ('[rules."A-KS-01"]\ndays = 1\n', "unknown parameter rules.A-KS-01.days"),
        ('[rules."A-KS-01"]\nworking_days = 0\n', "from 1 to 1000"),
        ('[rules."A-KS-01"]\nworking_days = 100000000\n', "from 1 to 1000, not 100000000"),
        ('[rules."A-KS-01"]\nworking_days = "5"\n', "whole number"),
        ('[rules."A-KS-01"]\nworking_days = true\n', "whole number"),
        ("[deadlines]\nx = 1\n", "unknown top-level keys"),
        ("rules = [", "not valid TOML"),
    ],
)
def test_a_bad_policy_file_is_rejected_with_a_reason(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message):
        Policy.load(path)


def test_a_binary_policy_file_is_rejected_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(PolicyError, match="not a TOML file"):
        Policy.load(path)


def test_a_missing_policy_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        Policy.load(tmp_path / "absent.toml")
