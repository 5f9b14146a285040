"""`casewatch ingest hmpps` (SPEC §13): the SQS queue of HMPPS domain events to the input topic
(casewatch/ingest/service.py), or with `--from FILE|-` offline: SQS bodies, one a line, mapped
to casewatch events as JSON Lines on standard output, in input order, so a dump of a queue or
of a domain-event log replays with `casewatch replay`. Each refused line is `line N: reason` on
standard error, as is each whose detail could not be fetched; types casewatch does not use, and
those that need a detail fetch when CASEWATCH_DETAIL_HOSTS is not set, are skipped and counted
there. Exit 0 whenever the input could be read."""

import argparse
import json
import signal
import sys
from collections import Counter
from contextlib import suppress
from typing import IO, Any

from casewatch.cli.streaming import settings_from
from casewatch.errors import CommandError
from casewatch.ingest.detail import Sources, Unreachable
from casewatch.ingest.envelope import Refusal, open_body
from casewatch.ingest.fetch import sources
from casewatch.ingest.mapping import NeedsDetail, Unused, map_event
from casewatch.inputs import opened
from casewatch.kafka.settings import Settings


def register(commands: Any) -> None:
    ingest = commands.add_parser(
        "ingest", help="HMPPS domain events in: SQS bodies mapped to casewatch events (§13)")
    ingest.add_argument("source", choices=("hmpps",))
    ingest.add_argument("--from", dest="path", metavar="FILE|-",
                        help="offline: SQS bodies, one a line (SNS notifications or raw domain "
                        "events), or - for standard input; the casewatch events go to standard "
                        "output. Without it, read $CASEWATCH_INGEST_QUEUE_URL and publish")
    ingest.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    if args.path is None:
        return _serve(args)
    fetches = _fetches(settings_from(args))
    with opened(args.path, "ingest") as (stream, _):
        tally = translate(stream, sys.stdout, sys.stderr, fetches)
    _report(tally, sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from prometheus_client import CollectorRegistry, start_http_server

    from casewatch.cli.streaming import kafka_errors, own_lines
    from casewatch.ingest.service import IngestMetrics, producer, serve, sqs_client

    settings = settings_from(args)
    if not settings.ingest_queue_url:
        raise CommandError("set CASEWATCH_INGEST_QUEUE_URL to the queue to read, or map a dump "
                           "offline with --from FILE")
    fetches = _fetches(settings)
    own_lines("casewatch.ingest")  # what it could not reach
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    registry = CollectorRegistry()
    metrics = IngestMetrics(registry)
    start_http_server(settings.ingest_port, addr=settings.web_host, registry=registry)
    with suppress(KeyboardInterrupt), kafka_errors(settings, "publish domain events"):
        kafka = producer(settings)
        try:
            serve(settings, sqs_client(settings), kafka, metrics, fetches,
                  lambda: not stopping)
        finally:
            kafka.close()
    return 0


def _fetches(settings: Settings) -> Sources | None:
    """The detail fetches the settings configure, or their one-line fault as a CommandError."""
    try:
        return sources(settings)
    except ValueError as error:
        raise CommandError(str(error)) from None


def translate(lines: IO[bytes], out: IO[str], err: IO[str],
              fetches: Sources | None = None) -> Counter[str]:
    """Each line's casewatch events to `out`, each refusal or failed fetch to `err`; the
    counts of each outcome ("mapped", "refused", "unfetched", "events", and "unused:" or
    "detail:" + type)."""
    tally: Counter[str] = Counter()
    for number, line in enumerate(lines, start=1):
        body = line.rstrip(b"\r\n")
        if not body.strip():
            continue
        try:
            mapped = map_event(open_body(body), fetches)
        except Unreachable as failure:
            tally["unfetched"] += 1
            err.write(f"line {number}: {failure.reason}\n")
            continue
        except Refusal as refusal:
            tally["refused"] += 1
            err.write(f"line {number}: {refusal.reason}\n")
            continue
        if isinstance(mapped, Unused):
            tally[f"unused:{mapped.event_type}"] += 1
        elif isinstance(mapped, NeedsDetail):
            tally[f"detail:{mapped.event_type}"] += 1
        else:
            tally["mapped"] += 1
            tally["events"] += len(mapped)
            for event in mapped:
                out.write(json.dumps(event, ensure_ascii=False) + "\n")
    return tally


def _report(tally: Counter[str], err: IO[str]) -> None:
    err.write(f"ingest: {tally['mapped']} bodies mapped to {tally['events']} events, "
              f"{tally['refused']} refused"
              + (f", {tally['unfetched']} whose detail could not be fetched"
                 if tally["unfetched"] else "") + "\n")
    for kind, what in (("unused", "of types casewatch does not use"),
                       ("detail", "needing a detail fetch (CASEWATCH_DETAIL_HOSTS not set)")):
        counts = sorted((key.split(":", 1)[1], n) for key, n in tally.items()
                        if key.startswith(kind + ":"))
        if counts:
            listed = ", ".join(f"{name} {n}" for name, n in counts)
            err.write(f"ingest: skipped {sum(n for _, n in counts)} {what}: {listed}\n")
