"""The relative rate index and its Katz interval: the formula, and what flagging means."""

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from casewatch.analysis.disparity import relative_rate


@st.composite
def two_groups(draw: st.DrawFn) -> tuple[int, int, int, int]:
    cases = draw(st.integers(1, 2000))
    reference_cases = draw(st.integers(1, 2000))
    return (draw(st.integers(1, cases)), cases, draw(st.integers(1, reference_cases)),
            reference_cases)


@given(two_groups())
def test_the_index_and_interval_are_katz_s(groups: tuple[int, int, int, int]) -> None:
    a, n1, c, n2 = groups
    found = relative_rate(a, n1, c, n2)
    rri = (a / n1) / (c / n2)
    spread = 1.959964 * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    assert found.rri is not None and math.isclose(found.rri, rri, rel_tol=1e-9)
    assert found.low is not None and found.high is not None
    assert math.isclose(found.low, rri * math.exp(-spread), rel_tol=1e-5)
    assert math.isclose(found.high, rri * math.exp(spread), rel_tol=1e-5)
    assert found.flagged == (found.low > 1 or found.high < 1)


def test_undefined_and_unbounded_cases_are_never_flagged() -> None:
    assert relative_rate(0, 0, 5, 50).rri is None
    assert relative_rate(5, 50, 0, 50).rri is None  # the reference group has no outcome
    none_in_group = relative_rate(0, 500, 50, 500)
    assert none_in_group.rri == 0.0 and not none_in_group.flagged


def flagged_share(rate: float, reference_rate: float, cases: int, trials: int) -> float:
    chance = random.Random(11)
    flagged = 0
    for _ in range(trials):
        a = sum(chance.random() < rate for _ in range(cases))
        c = sum(chance.random() < reference_rate for _ in range(cases))
        flagged += relative_rate(a, cases, c, cases).flagged
    return flagged / trials


def test_with_no_true_difference_about_one_in_twenty_is_flagged() -> None:
    # 2,000 trials: the share's standard error is 0.5 percentage points.
    assert 0.035 <= flagged_share(0.2, 0.2, 200, 2000) <= 0.065


def test_a_doubled_rate_is_flagged_nearly_always() -> None:
    assert flagged_share(0.2, 0.1, 400, 300) >= 0.95
