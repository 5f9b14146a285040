"""The live worklist under load, and the memory of its view.

    ./run bench serve [--browsers 200] [--rate 200] [--seconds 60] [--cases 2500]
                      [--memory-cases 240000]

Memory: a simulated cohort of `--cases` is replayed and what the worker would publish for it
(every alert state and deadlines record, rebuild's `built`) is copied under new CRNs and alert
ids until it covers `--memory-cases` cases, then offered to one Standing, as `casewatch serve`
reads the topics on start. Reported: the process's resident memory before and after (the view
alone), per case, and how fast the records were taken in (catching up).

Load: a broker on free loopback ports, the cohort published and taken in by one worker (event
clock), then `casewatch serve` started as an operator starts it (a local minted-key issuer
stands in for the sign-in provider: bearer tokens, no browser sign-in). `--browsers` clients,
each a manager of one team, do what the page's script does: hold the team's update stream
open and, on a change, fetch the page again, at most every 5 s. Meanwhile fresh cases are
published at `--rate` events a second across the cohort's teams (an allocation, then an
assessment that opens A-KS-06 at once). Reported: page times (p50, p99, max), and the update
delay, from handing a case's assessment to the producer to its CRN on a subscribed page
(p50, p99, max; at most 5 s of it is the script's own pacing), the first 10 s left out.
"""

import argparse
import asyncio
import gc
import json
import re
import statistics
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from kafka import KafkaProducer

from bench.alert_latency import case_events
from bench.processes import local_broker, resident_bytes, start_worker, stop_worker
from casewatch.delivery.standing import Standing
from casewatch.engine.policy import Policy
from casewatch.kafka.broker import free_port
from casewatch.kafka.lag import caught_up
from casewatch.kafka.security import kafka_python
from casewatch.kafka.settings import Settings
from casewatch.rebuild.state import built
from casewatch.replay.evaluate import evaluate
from casewatch.simulate.simulation import Simulation
from casewatch.web.access import MANAGER
from tests.support.issuer import MintedIssuer, minted_issuer
from tests.support.live import cli
from tests.support.serve import serve_settings, serving

WARM_UP = 10.0
EVERY = 5.0  # the page script's least interval between two fetches
CRN = re.compile(rb'data-crn="([A-Z][0-9]{6})"')


def simulated(cases: int) -> list[bytes]:
    simulation = Simulation(cases=cases, seed=7, start=date(2025, 4, 1), days=182, quality=0.7)
    return [json.dumps(event).encode() for event in simulation.events()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# -- memory -----------------------------------------------------------------------------------

def memory(lines: list[bytes], cases: int, target: int) -> None:
    caseload, _ = evaluate(lines, policy=Policy(), as_of=None)
    found = built(caseload)
    alerts = [json.loads(value) for _, _, value in found.alerts]
    records = [json.loads(value) for _, _, value in found.deadlines]
    copies = -(-target // cases)
    gc.collect()
    before = resident_bytes_self()
    started = time.perf_counter()
    view = Standing()
    offered = 0
    for copy in range(copies):
        renamed = rename(copy)
        for alert in alerts:
            state = {**alert, "crn": renamed(alert["crn"]),
                     "alertId": f"{alert['alertId']}-{copy}"}
            view.offer_alert(state, json.dumps(state, separators=(",", ":")).encode())
        for record in records:
            view.offer_deadlines({**record, "crn": renamed(record["crn"])})
        offered += len(alerts) + len(records)
    took = time.perf_counter() - started
    gc.collect()
    after = resident_bytes_self()
    held = copies * cases
    print(f"view of {held:,} cases: {len(view):,} alerts held of {copies * len(alerts):,} "
          f"states, {copies * len(records):,} deadlines records")
    print(f"  memory: {(after - before) / 2**20:,.0f} MiB ({(after - before) / held:,.0f} "
          f"bytes a case); taken in at {offered / took:,.0f} records/s ({took:.1f} s)")


def rename(copy: int) -> Any:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def renamed(crn: str) -> str:
        return f"{letters[copy % 26]}{(int(crn[1:]) + copy // 26 * 7919) % 1_000_000:06d}"
    return renamed


def resident_bytes_self() -> int:
    import os

    found = resident_bytes(os.getpid())
    assert found is not None
    return found


# -- load -------------------------------------------------------------------------------------

class Heard:
    def __init__(self) -> None:
        self.sent: dict[str, float] = {}  # CRN → when its assessment was handed to the producer
        self.seen: dict[str, float] = {}  # CRN → when a subscribed page first showed it
        self.pages: list[float] = []  # seconds per page fetch, after the warm-up
        self.errors = 0
        self.start = time.monotonic()


async def browser(client: httpx.AsyncClient, site: str, token: str, pdu: str, team: str,
                  heard: Heard, stop: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    page = f"{site}/teams/{pdu}/{team}"
    last = 0.0

    async def fetch() -> None:
        nonlocal last
        last = time.monotonic()
        try:
            answer = await client.get(page, headers={**headers, "Accept": "text/html"})
        except httpx.HTTPError:
            heard.errors += 1
            return
        now = time.monotonic()
        if answer.status_code != 200:
            heard.errors += 1
            return
        if now - heard.start > WARM_UP:
            heard.pages.append(now - last)
        for crn in CRN.findall(answer.content):
            heard.seen.setdefault(crn.decode(), now)

    await fetch()
    pending: asyncio.Task[None] | None = None
    try:
        async with client.stream("GET", f"{site}/updates?pdu={pdu}&team={team}",
                                 headers={**headers, "Accept": "text/event-stream"}) as stream:
            async for line in stream.aiter_lines():
                if stop.is_set():
                    break
                if line.startswith("event: changed") and (pending is None or pending.done()):
                    wait = max(0.0, last + EVERY - time.monotonic())
                    pending = asyncio.create_task(after(wait, fetch))
    except httpx.HTTPError:
        if not stop.is_set():
            heard.errors += 1


async def after(wait: float, then: Any) -> None:
    await asyncio.sleep(wait)
    await then()


def publish(settings: Settings, teams: list[tuple[str, str]], rate: float, seconds: float,
            start: datetime, heard: Heard, stop: threading.Event) -> None:
    producer = KafkaProducer(**kafka_python(settings), linger_ms=5)
    interval = 2 / rate  # two events a case
    number = 900_000
    began = time.monotonic()
    while not stop.is_set() and time.monotonic() - began < seconds:
        due = began + (number - 900_000) * interval
        time.sleep(max(0.0, due - time.monotonic()))
        pdu, team = teams[number % len(teams)]
        moment = start + timedelta(seconds=number - 900_000)
        for event_id, key, value in case_events(number, moment):
            event = json.loads(value)
            if event["eventType"] == "case.allocated":
                event["detail"].update(pdu=pdu, team=team)
            producer.send(settings.events_topic, key=key, value=json.dumps(event).encode())
            if event_id.endswith("-2"):
                heard.sent[key.decode()] = time.monotonic()
        number += 1
    producer.flush()
    producer.close()


async def swarm(site: str, issuer: MintedIssuer, teams: list[tuple[str, str]], browsers: int,
                seconds: float, heard: Heard) -> None:
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=browsers * 2 + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        tasks = [asyncio.create_task(browser(
            client, site, issuer.token(f"MGR{n:03d}", (MANAGER,), lasts=3600),
            *teams[n % len(teams)], heard, stop)) for n in range(browsers)]
        await asyncio.sleep(seconds)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def load(lines: list[bytes], args: argparse.Namespace, home: Path) -> None:
    teams = sorted({(e["detail"]["pdu"], e["detail"]["team"]) for e in map(json.loads, lines)
                    if e["eventType"] == "case.allocated"})
    latest = max(datetime.fromisoformat(json.loads(line)["occurredAt"]) for line in lines)
    directory = "fallback = \"quality@probation.example\"\n" + "".join(
        f'[staff.MGR{n:03d}]\npdu = "{teams[n % len(teams)][0]}"\n'
        f'teams = ["{teams[n % len(teams)][1]}"]\n' for n in range(args.browsers))
    with local_broker(home, "bench-serve", partitions=1, clock="event") as settings, \
            minted_issuer() as issuer:
        cli(settings, "publish", "-", stdin=b"\n".join(lines) + b"\n")
        worker = start_worker(settings)
        try:
            while not caught_up(settings, [settings.events_topic]):
                time.sleep(1)
            served = serve_settings(settings, home / "serve", issuer.url, directory,
                                    port=free_port())
            with serving(served, home / "serve.log", "--regions", "north-east") as site:
                heard = Heard()
                stop = threading.Event()
                producer = threading.Thread(target=publish, args=(
                    settings, teams, args.rate, args.seconds, latest + timedelta(hours=1),
                    heard, stop))
                producer.start()
                asyncio.run(swarm(site.url, issuer, teams, args.browsers, args.seconds + 10,
                                  heard))
                stop.set()
                producer.join()
        finally:
            stop_worker(worker)
    delays = [heard.seen[crn] - sent for crn, sent in heard.sent.items()
              if crn in heard.seen and sent - heard.start > WARM_UP]
    missed = sum(1 for crn, sent in heard.sent.items()
                 if crn not in heard.seen and sent - heard.start > WARM_UP)
    print(f"{args.browsers} browsers on {len(teams)} teams, {args.rate:.0f} events/s for "
          f"{args.seconds:.0f} s ({len(heard.sent):,} cases opened):")
    print(f"  page: {len(heard.pages):,} fetches, p50 {percentile(heard.pages, .5) * 1e3:,.0f} "
          f"ms, p99 {percentile(heard.pages, .99) * 1e3:,.0f} ms, max "
          f"{max(heard.pages, default=0) * 1e3:,.0f} ms; {heard.errors} errors")
    print(f"  update delay (event to a subscribed page): p50 {percentile(delays, .5):.2f} s, "
          f"p99 {percentile(delays, .99):.2f} s, max {max(delays, default=0):.2f} s; "
          f"{missed} not seen")
    if delays:
        print(f"  mean {statistics.mean(delays):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="./run bench serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browsers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200.0, help="events a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--cases", type=int, default=2500, help="the simulated cohort")
    parser.add_argument("--memory-cases", type=int, default=240_000)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    lines = simulated(args.cases)
    memory(lines, args.cases, args.memory_cases)
    if not args.skip_load:
        with tempfile.TemporaryDirectory() as home:
            load(lines, args, Path(home))


if __name__ == "__main__":
    main()
