"""Disclosure control for counts of people (SPEC §12), as UK official statistics do it.

ONS practice, the "10-5 rule": a count below 10 is suppressed and every other count is rounded to
the nearest 5. Suppression alone is not enough where a line of counts adds up to a total someone
can know: a dimension's groups add up to the cohort, and a key question's breached cases to the
number the §9 metrics export exactly. With one cell hidden and the others exact, it is the total
less the others; rounding blurs that, but not always enough (a total of 16 and a shown 10, which
is 10 to 12, leave 4 to 6). So secondary suppression is decided by the attack itself: knowing
the total exactly and each shown count to within its rounding, each hidden count must still be
any of at least 5 values, no more precise than a shown count. While one is not, the smallest
shown count is hidden too. A line entirely hidden says nothing beyond its total.
`tests/analysis/test_disclosure.py` checks the attack as a law.

Pure: counts in, what may be shown out (`None` for suppressed).
"""

from collections.abc import Sequence

THRESHOLD = 10  # counts below this are suppressed
BASE = 5  # other counts are rounded to the nearest multiple of this


def rounded(count: int) -> int:
    """To the nearest 5 (counts are whole, so there are no halves to break)."""
    return BASE * ((count + BASE // 2) // BASE)


def shown(count: int) -> int | None:
    """One count on its own: suppressed below 10, else rounded."""
    return rounded(count) if count >= THRESHOLD else None


def control(line: Sequence[int], *, enabled: bool = True) -> list[int | None]:
    """A line of counts whose total may be known: suppressed, rounded, and secondarily
    suppressed so that no hidden count can be narrowed by subtraction below 5 possible values.
    Not `enabled`: the exact counts (`--no-disclosure-control`)."""
    if not enabled:
        return list(line)
    result = [shown(count) for count in line]
    # Smallest first (then leftmost): hiding them loses the least information.
    spare = sorted((index for index, value in enumerate(result) if value is not None),
                   key=lambda index: (line[index], index))
    while spare and None in result and narrowest(sum(line), result) < BASE:
        result[spare.pop(0)] = None
    return result


def narrowest(total: int, values: Sequence[int | None]) -> int:
    """How many values the least protected hidden count could still take, for someone who knows
    the line's total exactly, each shown count to within its rounding (and that it is at least
    10), and that counts are whole and not negative."""
    shown_low = sum(max(THRESHOLD, value - BASE // 2) for value in values if value is not None)
    shown_high = sum(value + BASE // 2 for value in values if value is not None)
    hidden = sum(1 for value in values if value is None)
    highest = total - shown_low  # when every other hidden count is 0
    lowest = 0 if hidden > 1 else max(0, total - shown_high)
    return highest - lowest + 1
