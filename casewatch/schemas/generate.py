"""Write the JSON Schemas of the wire contract: `python -m casewatch.schemas.generate [--check]`.

The files under casewatch/schemas/json/ are generated from the pydantic models and checked in,
so other teams can validate against them without Python; a test fails when they are stale.
"""

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from casewatch.schemas.alerts import Alert
from casewatch.schemas.events import CaseEvent
from casewatch.schemas.report import ReplayReport

OUTPUT = Path(__file__).parent / "json"
SCHEMAS: dict[str, TypeAdapter[Any]] = {
    "case-event": TypeAdapter(CaseEvent),
    "alert": TypeAdapter(Alert),
    "replay-report": TypeAdapter(ReplayReport),
}


def render(name: str) -> str:
    schema = SCHEMAS[name].json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": f"casewatch/{name}.schema.json", **schema}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for name in SCHEMAS:
        path = OUTPUT / f"{name}.schema.json"
        text = render(name)
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            OUTPUT.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale JSON Schemas: {', '.join(stale)}; run python -m casewatch.schemas.generate",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
