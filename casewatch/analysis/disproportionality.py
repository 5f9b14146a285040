"""Disproportionality (SPEC §12, the inspection's recommendation 5): by ethnicity, gender and age
band, how often each group's cases have a standing breach, against the reference group.

For each dimension and group: the case count; and for each key question and for rules A-KS-05,
I-KS-01 and I-DS-03, the rate of the group's cases with a standing breach of it and the relative
rate index against the reference group (WHITE, MALE, 30-39) with its 95% Katz interval, flagged
only when the interval excludes 1. Pure: cases and a clock in, rows out.

Disclosure control (casewatch/analysis/disclosure.py) works on lines of counts that add up to a
known total: a dimension's case counts add up to the cohort, and a measure's breached counts
across a dimension's groups add up to the cohort's breached count. A rate is shown only when
both its counts are, and an index only when its group's and the reference group's rates are.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from casewatch.analysis.disclosure import control
from casewatch.analysis.disparity import UNDEFINED, RelativeRate, relative_rate
from casewatch.analysis.profile import GROUPS, MEASURES, REFERENCE, Profiled


@dataclass(frozen=True)
class Row:
    dimension: str
    group: str
    cases: int | None  # None: suppressed
    measure: str
    rate: float | None
    rri: float | None
    ci_low: float | None
    ci_high: float | None
    flagged: bool

    def to_json(self) -> dict[str, object]:
        return {"dimension": self.dimension, "group": self.group, "cases": self.cases,
                "measure": self.measure, "rate": self.rate, "rri": self.rri,
                "ciLow": self.ci_low, "ciHigh": self.ci_high, "flagged": self.flagged}


@dataclass
class GroupCounts:
    """Cases per group, and per group and measure those with a standing breach. Counts of
    several caseloads add up (`absorb`)."""

    counted: Counter[tuple[str, str]] = field(default_factory=Counter)
    breached: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add(self, case: Profiled) -> None:
        for dimension, group in case.groups.items():
            self.counted[(dimension, group)] += 1
            for measure in case.breached:
                self.breached[(dimension, group, measure)] += 1

    def absorb(self, other: "GroupCounts") -> None:
        self.counted.update(other.counted)
        self.breached.update(other.breached)


def disproportionality(cases: Iterable[Profiled], *, disclosure: bool = True) -> list[Row]:
    """Every (dimension, group, measure) row, groups in SPEC order, for groups with a case."""
    counts = GroupCounts()
    for case in cases:
        counts.add(case)
    return group_rows(counts, disclosure=disclosure)


def group_rows(counts: GroupCounts, *, disclosure: bool = True) -> list[Row]:
    counted, breached = counts.counted, counts.breached
    rows = []
    for dimension, listed in GROUPS.items():
        groups = [group for group in listed if counted[(dimension, group)]]
        shown_cases = control([counted[(dimension, group)] for group in groups],
                              enabled=disclosure)
        reference = REFERENCE[dimension]
        for measure in MEASURES:
            hits = [breached[(dimension, group, measure)] for group in groups]
            shown_hits = control(hits, enabled=disclosure)
            visible = {group: shown_cases[i] is not None and shown_hits[i] is not None
                       for i, group in enumerate(groups)}
            exact = {group: (hits[i], counted[(dimension, group)])
                     for i, group in enumerate(groups)}
            for index, group in enumerate(groups):
                with_outcome, total = exact[group]
                rate = round(with_outcome / total, 3) if visible[group] else None
                if group == reference:
                    index_of = RelativeRate(1.0 if visible[group] else None, None, None)
                elif reference in exact and visible[group] and visible[reference]:
                    index_of = relative_rate(with_outcome, total, *exact[reference])
                else:
                    index_of = UNDEFINED
                rows.append(Row(dimension, group, shown_cases[index], measure, rate,
                                _two(index_of.rri), _two(index_of.low), _two(index_of.high),
                                index_of.flagged))
    return rows


def _two(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
