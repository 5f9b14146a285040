"""The commands over a JSON Lines file of case events: replay (SPEC §7), worklist (§10),
analyse (§12), and simulate, which writes one."""

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import IO, Any, TypeVar

from prometheus_client import CollectorRegistry, generate_latest

from casewatch.cli.arguments import add_format, count, day, limit, timestamp
from casewatch.engine.caseload import Caseload
from casewatch.engine.policy import Policy
from casewatch.engine.worklist import Places, Scope, places, unknown_scope
from casewatch.errors import CommandError
from casewatch.inputs import opened, size_of
from casewatch.metrics.quality import QualityMetrics
from casewatch.progress import Progress
from casewatch.replay.evaluate import evaluate, read_lines, summarise
from casewatch.replay.partitions import (
    MOST_PARTITIONS,
    partitions_for,
    replay_in_partitions,
    summarise_in_partitions,
)
from casewatch.replay.report import Cohort, EventTally, build_report, write_json
from casewatch.replay.table import render
from casewatch.runtime import tune_gc

S = TypeVar("S")  # what a command keeps of a caseload

def register(commands: Any) -> None:
    _add_replay(commands.add_parser(
        "replay", help="evaluate a JSON Lines file of case events and print the inspection table",
    ))
    _add_worklist(commands.add_parser(
        "worklist", help="the ranked cases a manager must act on, and deadlines due soon",
    ))
    _add_analyse(commands.add_parser(
        "analyse", help="needs and services, disproportionality and oversight capacity "
        "for the PDU head (disclosure-controlled)",
    ))
    _add_simulate(commands.add_parser(
        "simulate", help="write a realistic synthetic PDU event stream as JSON Lines",
    ))


def _add_replay(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="JSON Lines file of case events, or - for standard input")
    parser.add_argument("--as-of", type=timestamp, help="advance the clock to this instant "
                        "(RFC 3339 with offset; default: the latest occurredAt)")
    parser.add_argument("--cohort-from", type=day, help="first allocation date in the cohort")
    parser.add_argument("--cohort-to", type=day, help="last allocation date in the cohort")
    parser.add_argument("--policy", type=Path, help="TOML file overriding deadline defaults")
    add_format(parser, "text", "json")
    parser.add_argument("--limit", type=limit, default=10,
                        help="open alerts listed per severity in the table (default 10)")
    _add_partitions(parser)
    parser.add_argument("--metrics-out", type=Path,
                        help="also write the SPEC §9 metrics, as a worker would export them "
                        "for these events, in the Prometheus text format")
    parser.set_defaults(run=_run_replay)


def _summarised(args: argparse.Namespace, task: str, scope: Scope,
                summary: Callable[[Caseload], S]) -> tuple[list[S], EventTally, datetime]:
    """The events of `args.path` (or standard input) through the engine, for worklist and
    analyse alike (SPEC §7's reading rules, --policy and --as-of), and `summary` of the
    caseload at the end: of each partition's, for an input too large to hold every case.
    An input with no valid event, or a scope that names no PDU or team of it, is an error: an
    empty answer would read as "nothing to do"."""
    placed = partial(_placed, summary)
    with _input(args, task) as (policy, stream, progress):
        partitions = _partitions_of(args, stream)
        if partitions > 1:
            parts, tally, now = summarise_in_partitions(
                read_lines(stream), policy=policy, as_of=args.as_of, partitions=partitions,
                summary=placed, jobs=args.jobs, progress=progress)
        else:
            parts, tally, now = summarise(read_lines(stream), policy=policy, as_of=args.as_of,
                                          summary=placed, progress=progress)
    if not tally.applied + tally.duplicates:
        raise CommandError(_no_events(args.path, tally))
    problem = unknown_scope(scope, frozenset().union(*(known for _, known in parts)))
    if problem:
        raise CommandError(problem)
    return [part for part, _ in parts], tally, now


def _placed(summary: Callable[[Caseload], S], caseload: Caseload) -> tuple[S, Places]:
    """`summary` of the caseload, with the PDUs and teams that hold its cases (a module-level
    function, so a partition's job can be sent it)."""
    assert caseload.now is not None
    return summary(caseload), places(caseload.cases.values(), caseload.now)


def _no_events(path: str, tally: EventTally) -> str:
    where = "standard input" if path == "-" else path
    if not tally.rejected:
        return f"{where} holds no case events"
    first = tally.rejected[0]
    return (f"no line of {where} is a valid case event ({tally.read} read, every one "
            f"rejected; line {first['line']}: {first['reason']})")


@contextmanager
def _input(args: argparse.Namespace,
           task: str) -> Iterator[tuple[Policy, IO[bytes], Progress | None]]:
    tune_gc()
    # Partition files hold case events: a command stopped by SIGTERM removes them, as one
    # stopped by Ctrl-C (KeyboardInterrupt) or one that finishes does.
    signal.signal(signal.SIGTERM, _stop)
    policy = Policy.load(args.policy) if args.policy else Policy()
    with opened(args.path, task) as (stream, progress):
        yield policy, stream, progress


def _run_replay(args: argparse.Namespace) -> int:
    registry = CollectorRegistry()
    metrics = QualityMetrics(registry) if args.metrics_out else None
    with _replay_report(args, metrics) as report:
        if args.metrics_out:
            args.metrics_out.write_bytes(generate_latest(registry))
        if args.format == "json":
            write_json(report, sys.stdout)
        else:
            sys.stdout.write(render(report, args.limit))
    return 0


def _stop(number: int, _: FrameType | None) -> None:
    raise SystemExit(128 + number)


@contextmanager
def _replay_report(args: argparse.Namespace,
                   metrics: QualityMetrics | None) -> Iterator[dict[str, Any]]:
    """The report, from one caseload in memory or, for an input too large for that, from
    partitions of cases on disk (casewatch/replay/partitions.py). --metrics-out stays in memory:
    its gauges are counted over the whole caseload at the end."""
    cohort = Cohort(args.cohort_from, args.cohort_to)
    if cohort.first and cohort.last and cohort.first > cohort.last:
        raise CommandError(f"--cohort-from {cohort.first} is after --cohort-to {cohort.last}: "
                           "no case could be in the cohort")
    if metrics and (args.partitions or 1) > 1:
        raise CommandError("--metrics-out replays in memory: leave out --partitions")
    with _input(args, "replay") as (policy, stream, progress):
        partitions = 1 if metrics else _partitions_of(args, stream)
        if partitions > 1:
            with replay_in_partitions(read_lines(stream), policy=policy, as_of=args.as_of,
                                      cohort=cohort, partitions=partitions, jobs=args.jobs,
                                      progress=progress) as report:
                yield report
            return
        caseload, tally = evaluate(read_lines(stream), policy=policy, as_of=args.as_of,
                                   progress=progress, metrics=metrics)
    yield build_report(caseload, tally, cohort, stream_alerts=True)


def _add_partitions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--partitions", type=_partitions,
                        help="replay the cases in this many partitions, one at a time, to "
                        "bound memory (default: 1, in memory, up to 16 MiB of input, then one "
                        "per 16 MiB; 64 for a pipe)")
    parser.add_argument("--jobs", type=job_count, default=len(os.sched_getaffinity(0)),
                        help="processes replaying partitions side by side (default: one per "
                        "CPU this process may use)")


def _partitions_of(args: argparse.Namespace, stream: IO[bytes]) -> int:
    """--partitions, or the command's own choice for the input's size (1: in memory)."""
    return int(args.partitions or partitions_for(size_of(stream)))


def _partitions(text: str) -> int:
    return count(text, "partitions", 1, MOST_PARTITIONS)


def job_count(text: str) -> int:
    return count(text, "jobs", 1, 64)


def _add_worklist(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="JSON Lines file of case events, or - for standard input")
    parser.add_argument("--as-of", type=timestamp, help="advance the clock to this instant "
                        "(RFC 3339 with offset; default: the latest occurredAt)")
    parser.add_argument("--pdu", help="only cases held by this PDU")
    parser.add_argument("--team", help="only cases held by this team")
    parser.add_argument("--horizon", type=_working_days, default=5,
                        help="working days ahead for the due-soon list (default 5)")
    add_format(parser, "text", "json", "html")
    parser.add_argument("--limit", type=limit, default=20,
                        help="cases and due-soon rows listed in text (default 20)")
    parser.add_argument("--policy", type=Path, help="TOML file overriding deadline defaults")
    _add_partitions(parser)
    parser.set_defaults(run=_run_worklist)


def _working_days(text: str) -> int:
    return count(text, "working days", 0, 60)


def _run_worklist(args: argparse.Namespace) -> int:
    from casewatch.delivery.worklist import worklist_document, worklist_rows
    from casewatch.delivery.worklist_render import html, text

    scope = Scope(args.pdu, args.team)
    parts, tally, now = _summarised(args, "worklist", scope,
                                    partial(worklist_rows, scope, args.horizon))
    _say_rejected(tally)
    doc = worklist_document(now, scope, args.horizon, parts)
    if args.format == "json":
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    elif args.format == "html":
        sys.stdout.write(html(doc))
    else:
        sys.stdout.write(text(doc, args.limit))
    return 0


def _add_analyse(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="JSON Lines file of case events, or - for standard input")
    parser.add_argument("--as-of", type=timestamp, help="advance the clock to this instant "
                        "(RFC 3339 with offset; default: the latest occurredAt)")
    parser.add_argument("--pdu", help="only cases held by this PDU")
    add_format(parser, "text", "json", "html")
    parser.add_argument("--no-disclosure-control", dest="disclosure", action="store_false",
                        help="exact counts, small ones included: for the PDU's own case-level "
                        "work, never for publication")
    parser.add_argument("--policy", type=Path, help="TOML file overriding deadline defaults")
    _add_partitions(parser)
    parser.set_defaults(run=_run_analyse)


def _run_analyse(args: argparse.Namespace) -> int:
    from casewatch.analysis.document import AnalysisCounts, analysis_document, count_analysis
    from casewatch.analysis.table import render as render_analysis

    scope = Scope(args.pdu)
    parts, tally, now = _summarised(args, "analyse", scope, partial(count_analysis, scope))
    _say_rejected(tally)
    counts = AnalysisCounts()
    for part in parts:
        counts.absorb(part)
    doc = analysis_document(now, scope, counts, disclosure=args.disclosure)
    if args.format == "json":
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    elif args.format == "html":
        from casewatch.analysis.page import html

        sys.stdout.write(html(doc))
    else:
        sys.stdout.write(render_analysis(doc))
    return 0


def _say_rejected(tally: EventTally) -> None:
    if tally.rejected:
        print(f"casewatch: {len(tally.rejected)} lines rejected and left out (casewatch replay "
              "--format json lists them)", file=sys.stderr)


def _add_simulate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=day, default=date(2025, 4, 1),
                        help="first allocation date (default 2025-04-01)")
    parser.add_argument("--days", type=int, default=182, help="length of the stream in days")
    parser.add_argument("--quality", type=float, default=0.8,
                        help="0–1: how reliably practice is done well and on time "
                        "(0.9 a good PDU, 0.6 a struggling one; default 0.8)")
    parser.add_argument("--pdus", type=int, default=2, help="PDUs in the region (default 2)")
    parser.add_argument("--plant", type=_planted, metavar="DIMENSION=GROUP",
                        help="a disparity to find: this group's assessments leave out "
                        "safeguarding information twice as often (e.g. gender=FEMALE)")
    parser.set_defaults(run=_run_simulate)


def _planted(text: str) -> tuple[str, str]:
    from casewatch.simulate.simulation import PROFILE_DIMENSIONS

    dimension, _, group = text.partition("=")
    mix = PROFILE_DIMENSIONS.get(dimension)
    if mix is None or group not in {g for g, _ in mix}:
        raise argparse.ArgumentTypeError(
            f"not DIMENSION=GROUP with a dimension of {', '.join(PROFILE_DIMENSIONS)} and one "
            f"of its groups: {text!r}")
    return dimension, group


def _run_simulate(args: argparse.Namespace) -> int:
    from casewatch.simulate.simulation import Simulation, write_jsonl

    if not 0.0 <= args.quality <= 1.0:
        print("casewatch: --quality must be between 0 and 1", file=sys.stderr)
        return 2
    if args.cases < 1 or args.days < 1 or args.pdus < 1:
        print("casewatch: --cases, --days and --pdus must be at least 1", file=sys.stderr)
        return 2
    simulation = Simulation(cases=args.cases, seed=args.seed, start=args.start, days=args.days,
                            quality=args.quality, pdus=args.pdus, plant=args.plant)
    write_jsonl(simulation.events(), sys.stdout)
    return 0
