"""How the analysis reads one case (SPEC §12): its group in each dimension, and the measures it
has a standing breach of. Shared by `casewatch analyse` and the live gauges."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from casewatch.engine.case import CaseState
from casewatch.engine.ratings import QUESTION_ORDER, STANDARD_NAMES

NOT_STATED = "NOT_STATED"
GROUPS: dict[str, tuple[str, ...]] = {  # SPEC §12: census 2021 high-level groups, MoJ age bands
    "ethnicity": ("ASIAN", "BLACK", "MIXED", "WHITE", "OTHER", NOT_STATED),
    "gender": ("MALE", "FEMALE", NOT_STATED),
    "ageBand": ("18-25", "26-29", "30-39", "40-49", "50-59", "60+", NOT_STATED),
}
REFERENCE = {"ethnicity": "WHITE", "gender": "MALE", "ageBand": "30-39"}
RULE_MEASURES = ("A-KS-05", "I-KS-01", "I-DS-03")
# What a breach of each rule measure is: the index counts breaches, so say what went wrong.
RULE_MEASURE_NAMES = {"A-KS-05": "safeguarding information not used (A-KS-05)",
                      "I-KS-01": "home visit not made (I-KS-01)",
                      "I-DS-03": "need not referred (I-DS-03)"}
QUESTION_NAMES = {"engaging": "engaging the person", "desistance": "supporting desistance",
                  "keeping_safe": "keeping other people safe"}
MEASURES = tuple(f"{standard} {question.value}" for standard in STANDARD_NAMES
                 for question in QUESTION_ORDER) + RULE_MEASURES


def measure_name(measure: str) -> str:
    """A measure as a person reads it: what a breach of it is."""
    if measure in RULE_MEASURE_NAMES:
        return RULE_MEASURE_NAMES[measure]
    standard, question = measure.split(" ")
    return f"{standard} {QUESTION_NAMES[question]}: No"


@dataclass(frozen=True)
class Profiled:
    """One case as the analysis sees it: its group in each dimension, the measures breached."""

    groups: Mapping[str, str]
    breached: frozenset[str]


def profiled(case: CaseState, now: datetime) -> Profiled | None:
    """None for a case not allocated (no profile, nothing to rate)."""
    allocation = case.facts.allocation
    if allocation is None:
        return None
    profile = allocation.event.detail.profile
    given = {"ethnicity": profile.ethnicity, "gender": profile.gender,
             "ageBand": profile.ageBand} if profile is not None else {}
    # A value outside the lists, or none, counts as NOT_STATED (the event is still accepted).
    groups = {dimension: value if (value := given.get(dimension)) in listed else NOT_STATED
              for dimension, listed in GROUPS.items()}
    breached = set()
    for breach in case.standing(now):
        rule = breach.rule
        if rule.standard and rule.question:
            breached.add(f"{rule.standard} {rule.question.value}")
        if rule.id in RULE_MEASURES:
            breached.add(rule.id)
    return Profiled(groups, frozenset(breached))
