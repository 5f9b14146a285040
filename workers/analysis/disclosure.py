"""Disclosure control for counts of people (SPEC §12), as UK official statistics do it.

ONS practice, the "10-5 rule": a count below 10 is suppressed and every other count is rounded to
the nearest 5. Suppression alone is not enough where a line of counts adds up to a total someone
can know (every group of one dimension adds up to the cohort, which other dimensions and the
§9 metrics give away): with one cell hidden, it is the total less the others. So in a line with
any cell hidden, the smallest shown cells are hidden too until at least two are hidden and the
hidden cells together hold at least 10 people. Then, even knowing the total exactly and every
shown cell to within its rounding, each hidden cell could still be any of at least two values
(and is not pinned to zero): `tests/analysis/test_disclosure.py` checks this as a law.

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


def control(line: Sequence[int]) -> list[int | None]:
    """A line of counts whose total may be known: suppressed, rounded, and secondarily
    suppressed so that no hidden count can be derived from the total and the others."""
    result = [shown(count) for count in line]
    hidden = [index for index, value in enumerate(result) if value is None]
    if not hidden:
        return result
    # Smallest first (then leftmost): hiding them loses the least information.
    spare = sorted((index for index, value in enumerate(result) if value is not None),
                   key=lambda index: (line[index], index))
    while spare and (len(hidden) < 2 or sum(line[index] for index in hidden) < THRESHOLD):
        index = spare.pop(0)
        result[index] = None
        hidden.append(index)
    return result
