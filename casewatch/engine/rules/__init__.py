"""The rule catalogue of SPEC §4, one module per standard (assessment, planning,
implementation, reviewing) and oversight, each rule a `Rule` of engine/rule.py."""

import copyreg

from casewatch.engine.rule import Rule
from casewatch.engine.rules import assessment, implementation, oversight, planning, reviewing

RULES: tuple[Rule, ...] = (
    assessment.RULES + planning.RULES + implementation.RULES + reviewing.RULES + oversight.RULES
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rule_by_id(rule_id: str) -> Rule:
    return RULES_BY_ID[rule_id]


# A rule is one of the catalogue's, and holds functions: pickled by its id (cases sent back from
# a partition's replay in another process), which the catalogue alone can look up.
copyreg.pickle(Rule, lambda rule: (rule_by_id, (rule.id,)))
