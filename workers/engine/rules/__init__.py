"""The rule catalogue of SPEC §4, one module per standard."""

from workers.engine.rule import Rule
from workers.engine.rules import assessment, implementation, oversight, planning, reviewing

RULES: tuple[Rule, ...] = (
    assessment.RULES + planning.RULES + implementation.RULES + reviewing.RULES + oversight.RULES
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
