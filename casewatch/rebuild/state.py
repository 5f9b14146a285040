"""What a rebuild makes of one partition's caseload, computed in bulk (pure): each case's table
rows in the worker's own format, and the alert states and deadline records a worker would have
published for it, so the worker that takes the table on continues as if it had made it."""

import json
from dataclasses import dataclass, field

from casewatch.engine.caseload import Caseload
from casewatch.engine.snapshot import Row, bulk_rows, summary_row
from casewatch.engine.worklist import deadlines_record, said

Sent = tuple[str, str, bytes]  # region, key (alertId or CRN), value


@dataclass
class Built:
    """A share of a partition: its cases' rows, alert states and deadline records."""

    rows: list[Row] = field(default_factory=list)
    alerts: list[Sent] = field(default_factory=list)
    deadlines: list[Sent] = field(default_factory=list)
    cases: int = 0


def built(caseload: Caseload) -> Built:
    """Every case of `caseload` (at its clock) as the worker's table and topics would hold it.
    A module's function: the replay's forked processes run it on their partitions."""
    now = caseload.now
    found = Built()
    if now is None:
        return found
    for case in caseload.cases.values():
        crn = case.crn
        rows = bulk_rows(case, now)
        found.rows += rows
        found.rows.append(summary_row(crn, now, case.next_at, len(rows)))
        found.cases += 1
        for view in case.published.values():
            found.alerts.append((view.assignment.region, view.alert_id, json.dumps(
                view.to_wire(), separators=(",", ":")).encode()))
        reading = said(case, now)
        if reading is not None:  # no team yet: the worker tells nobody either
            (assignment, _), due = reading
            found.deadlines.append((assignment.region, crn,
                                    deadlines_record(crn, assignment, due, now)))
    return found
