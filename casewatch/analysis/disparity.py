"""The relative rate index (SPEC §12): how much more often an outcome befalls one group than
the reference group, as the Ministry of Justice measures disproportionality.

RRI = (a / n₁) / (c / n₂): a of the group's n₁ cases have the outcome, c of the reference
group's n₂. Its 95% interval is the Katz log interval, exp(ln RRI ± 1.96 √(1/a − 1/n₁ + 1/c −
1/n₂)), as scipy's `relative_risk` computes it. A difference is flagged only when the interval
excludes 1: with no true difference that happens by chance about one time in twenty, which the
reader must be told (`tests/analysis/test_disparity.py` measures it).
"""

from dataclasses import dataclass

from scipy.stats.contingency import relative_risk

LEVEL = 0.95


@dataclass(frozen=True)
class RelativeRate:
    rri: float | None  # None where undefined: no cases, or no outcome in the reference group
    low: float | None  # None where the log interval has no finite bound
    high: float | None

    @property
    def flagged(self) -> bool:
        """The interval excludes 1."""
        return self.low is not None and self.high is not None and (self.low > 1 or self.high < 1)


UNDEFINED = RelativeRate(None, None, None)


def relative_rate(with_outcome: int, cases: int, reference_with: int,
                  reference_cases: int) -> RelativeRate:
    """The group's rate against the reference group's, with its 95% Katz interval."""
    if not (0 <= with_outcome <= cases and 0 <= reference_with <= reference_cases):
        raise ValueError("a count of cases with an outcome exceeds its group's cases")
    if cases == 0 or reference_with == 0:
        return UNDEFINED  # no rate, or a reference rate of 0: no ratio to speak of
    if with_outcome == 0:
        return RelativeRate(0.0, None, None)  # ln 0: the interval has no lower bound
    result = relative_risk(with_outcome, cases, reference_with, reference_cases)
    interval = result.confidence_interval(LEVEL)
    return RelativeRate(float(result.relative_risk), float(interval.low), float(interval.high))
