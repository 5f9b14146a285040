"""What a rule is: one of the catalogue's, whatever carries it."""

import pickle

from casewatch.engine.rules import RULES


def test_a_pickled_rule_is_the_catalogues_own() -> None:
    """Rules hold functions (some lambdas), so they travel by id: a case sent back from a
    replay job carries the very rules of the process it arrives in."""
    for rule in RULES:
        assert pickle.loads(pickle.dumps(rule)) is rule
    assert len(pickle.dumps(RULES[0])) < 100
