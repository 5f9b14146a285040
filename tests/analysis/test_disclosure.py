"""Disclosure control never reveals a count below 10, directly or by subtraction from totals."""

from hypothesis import given
from hypothesis import strategies as st

from casewatch.analysis.disclosure import THRESHOLD, control, rounded

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
def test_no_hidden_count_can_be_narrowed_by_subtraction(line: list[int]) -> None:
    """The attacker knows the line's total exactly, each shown count to within its rounding
    (and that it is at least 10), and that counts are whole and not negative. Each hidden count
    must still be any of at least 5 values, unless the whole line is hidden (then it says
    nothing its total does not)."""
    total = sum(line)
    values = control(line)
    hidden = [index for index, value in enumerate(values) if value is None]
    if len(hidden) == len(line):
        return
    for index in hidden:
        others = [v for i, v in enumerate(values) if i != index]
        shown_low = sum(max(THRESHOLD, v - 2) for v in others if v is not None)
        shown_high = sum(v + 2 for v in others if v is not None)
        # Independently of the module: enumerate what this count could be.
        possible = [value for value in range(total + 1)
                    if value <= total - shown_low  # the other hidden counts at least 0
                    and (len(hidden) > 1 or value >= total - shown_high)]
        assert line[index] in possible
        assert len(possible) >= 5, (line, values, index, possible)


def test_the_rules_by_example() -> None:
    assert [rounded(n) for n in (10, 12, 13, 17, 18, 22, 23)] == [10, 10, 15, 15, 20, 20, 25]
    assert control([40, 23, 17]) == [40, 25, 15]
    # One small cell, blurred enough by the others' rounding: 100 is 98 to 102, so the hidden
    # count is 4 to 8 even with the total known.
    assert control([6, 100]) == [None, 100]
    # Not blurred enough: 10 is 10 to 12, which would leave 4 to 6. The 10 goes too.
    assert control([6, 10]) == [None, None]
    assert control([0, 0, 30, 12]) == [None, None, 30, 10]
