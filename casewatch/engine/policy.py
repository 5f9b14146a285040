"""Deadline policy: the spec's defaults, overridable per rule from a TOML file.

A policy file names rules and their deadline parameters, e.g.

    [rules."A-KS-01"]
    working_days = 3

    [rules."I-KS-02"]
    high_rosh_days = 7

Each parameter's unit is part of its name (`..._working_days` or `..._days`), so a file cannot
silently turn working days into calendar days. Unknown rules, unknown parameters and values that
are not whole numbers from 1 to 1000 are rejected with a message naming them.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from casewatch.engine.calendar import Unit

DEFAULTS: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "A-KS-01": {"working_days": 5},
        "A-KS-02": {"working_days": 5},
        "A-KS-03": {"working_days": 10},
        "A-EN-01": {"working_days": 20},
        "P-EN-01": {"working_days": 20},
        "I-KS-01": {
            "high_rosh_days": 15,
            "medium_rosh_days": 42,
            "rising_rosh_days": 15,
            "new_concern_working_days": 10,
        },
        "I-KS-02": {"high_rosh_days": 14, "other_days": 28},
        "I-KS-03": {"high_risk_working_days": 10, "critical_breach_working_days": 5},
        "I-EN-01": {"working_days": 5},
        "I-EN-02": {"working_days": 2},
        "I-DS-01": {"days": 30},
        "I-DS-02": {"working_days": 20},
        "I-DS-03": {"working_days": 20},
        "R-KS-01": {"working_days": 10},
        "R-KS-02": {"working_days": 5},
        "R-EN-01": {"high_rosh_days": 112, "other_days": 182},
        # 2.3 comes into scope once a case has been supervised this long (SPEC §6).
        "scope": {"implementation_working_days": 20},
    }
)


# No deadline a PDU works to is longer than this (days or working days, about four years of
# the latter); a larger number is a typing slip, and past the calendar's end a crash.
MOST = 1000


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Span:
    amount: int
    unit: Unit

    @cached_property
    def at_least(self) -> timedelta:
        """No deadline of this span breaches sooner than this after its anchor."""
        return timedelta(days=self.amount)


class Policy:
    def __init__(self, overrides: Mapping[str, Mapping[str, int]] | None = None) -> None:
        values = {rule: dict(params) for rule, params in DEFAULTS.items()}
        for rule, params in (overrides or {}).items():
            if rule not in values:
                raise PolicyError(f"policy: unknown rule {rule!r} (rules with deadlines: "
                                  f"{', '.join(sorted(values))})")
            if not isinstance(params, Mapping):
                raise PolicyError(f"policy: rules.{rule} must be a table of parameters")
            for name, value in params.items():
                if name not in values[rule]:
                    raise PolicyError(f"policy: unknown parameter rules.{rule}.{name} "
                                      f"(known: {', '.join(sorted(values[rule]))})")
                if isinstance(value, bool) or not isinstance(value, int) or not (
                        1 <= value <= MOST):
                    raise PolicyError(f"policy: rules.{rule}.{name} must be a whole number "
                                      f"from 1 to {MOST}, not {value!r}")
                values[rule][name] = value
        self._spans = {
            rule: {name: Span(amount, _unit(name)) for name, amount in params.items()}
            for rule, params in values.items()
        }

    def span(self, rule: str, name: str) -> Span:
        return self._spans[rule][name]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {rule: {n: s.amount for n, s in p.items()} for rule, p in self._spans.items()}

    @classmethod
    def load(cls, path: Path) -> "Policy":
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise PolicyError(f"policy: cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise PolicyError(f"policy: {path} is not a TOML file (not UTF-8 text)") from None
        except tomllib.TOMLDecodeError as error:
            raise PolicyError(f"policy: {path} is not valid TOML: {error}") from None
        unknown = set(document) - {"rules"}
        if unknown:
            raise PolicyError(
                f"policy: unknown top-level keys {sorted(unknown)} (expected 'rules')")
        rules = document.get("rules", {})
        if not isinstance(rules, dict):
            raise PolicyError("policy: 'rules' must be a table")
        return cls(rules)


def _unit(name: str) -> Unit:
    return "working_days" if name.endswith("working_days") else "days"
