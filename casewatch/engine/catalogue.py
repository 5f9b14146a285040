"""The alert catalogue as Markdown, generated from the rules so the README cannot drift.

    python -m casewatch.engine.catalogue
"""

from casewatch.engine.policy import DEFAULTS
from casewatch.engine.rule import Rule
from casewatch.engine.rules import RULES

QUESTION_NAMES = {"engaging": "engaging", "desistance": "desistance",
                  "keeping_safe": "keeping safe"}


class _Placeholder(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"‹{key}›"


def deadline(rule: Rule) -> str:
    params = DEFAULTS.get(rule.id)
    if not params:
        return "immediate"
    parts = []
    for name, value in params.items():
        unit = "working days" if name.endswith("working_days") else "days"
        label = name.removesuffix("working_days").removesuffix("days").strip("_")
        label = label.replace("_", " ").replace("rosh", "RoSH")
        parts.append(f"{label}: {value} {unit}" if label else f"{value} {unit}")
    return "; ".join(parts)


def meaning(rule: Rule) -> str:
    return rule.summary.format_map(_Placeholder(crn="‹CRN›", due="‹due date›"))


def markdown() -> str:
    rows = ["| rule | alert | key question | severity | default deadline | what it says | "
            "what to do |", "|---|---|---|---|---|---|---|"]
    for rule in RULES:
        question = (f"{rule.standard} {QUESTION_NAMES[rule.question.value]}"
                    if rule.standard and rule.question else "— (oversight)")
        rows.append(f"| {rule.id} | {rule.name} | {question} | {rule.severity.value} | "
                    f"{deadline(rule)} | {meaning(rule)} | {rule.action} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
