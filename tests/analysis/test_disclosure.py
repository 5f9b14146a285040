"""Disclosure control never reveals a count below 10, directly or by subtraction from totals."""

from hypothesis import given
from hypothesis import strategies as st

from workers.analysis.disclosure import THRESHOLD, control, rounded

lines = st.lists(st.integers(0, 60) | st.integers(0, 12), min_size=1, max_size=7)


@given(lines)
def test_what_is_shown_is_a_rounded_count_of_ten_or_more(line: list[int]) -> None:
    for count, value in zip(line, control(line), strict=True):
        if value is not None:
            assert count >= THRESHOLD
            assert value % 5 == 0 and abs(value - count) <= 2
        if count < THRESHOLD:
            assert value is None


@given(lines)
def test_no_hidden_count_can_be_derived_from_the_total_and_the_others(line: list[int]) -> None:
    """The attacker knows the line's total exactly, each shown count to within its rounding (and
    that it is at least 10), and that every count is whole and not negative. For each hidden
    count, the values consistent with all that must be at least two, unless the total itself is
    0 (then the line says nothing the total does not)."""
    total = sum(line)
    values = control(line)
    if len(line) < 2 or total == 0:
        return
    shown_low = sum(max(THRESHOLD, v - 2) for v in values if v is not None)
    shown_high = sum(v + 2 for v in values if v is not None)
    hidden = [index for index, value in enumerate(values) if value is None]
    for index in hidden:
        others_hidden = len(hidden) - 1
        highest = total - shown_low  # every other hidden count 0
        lowest = 0 if others_hidden else max(0, total - shown_high)
        assert highest - lowest >= 1, (line, values, index)


def test_the_rules_by_example() -> None:
    assert [rounded(n) for n in (10, 12, 13, 17, 18, 22, 23)] == [10, 10, 15, 15, 20, 20, 25]
    assert control([40, 23, 17]) == [40, 25, 15]
    # One small cell: the smallest other goes too, so the two are known only as a sum.
    assert control([40, 23, 4]) == [40, None, None]
    # Two hidden, but together fewer than 10: a zero could be pinned, so a third goes.
    assert control([0, 0, 30, 12]) == [None, None, 30, None]
    assert control([4, 7, 100, 50]) == [None, None, 100, 50]
    assert control([3, 5, 100, 50]) == [None, None, 100, None]
