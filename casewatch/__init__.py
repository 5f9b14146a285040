"""casewatch: continuous probation case-quality monitoring against HM Inspectorate of
Probation's key questions.

The packages, from the pure core outwards (a package imports only those above it in this list,
and never one of its own importers):

- `schemas`: the wire contract (SPEC §2–§3 events, §5 alerts, §7 report) as pydantic models.
- `engine`: the rules, cases, alerts, ratings and the worklist's ranking. Pure: events and a
  clock in, alert changes out; no I/O, no wall clock, nothing below imported.
- `analysis`: the PDU head's needs, disproportionality and oversight (SPEC §12).
- `metrics`: the SPEC §9 metrics, counted from a caseload.
- `simulate`: synthetic PDU event streams.
- `replay`: the embedded default, evaluating a JSON Lines file (SPEC §7), in memory or in
  partitions on disk.
- `kafka`: the transport: the local broker, its security, ACLs, client settings, topics,
  publishing and following. Nothing in it knows the rules.
- `worker`: the faust worker and its shell around the engine (SPEC §8).
- `delivery`: what reaches the people who act: the worklist, due soon, and Alertmanager (§10).
- `pages`: the html pages' templates.
- `cli`: the `casewatch` command line, thin, over all of the above.

Shared by all: `errors` (the one-line CommandError), `inputs` and `progress` (reading a path or
standard input), `private` (directories closed to other users) and `runtime` (process tuning).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("casewatch")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
