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
open and, on a change, fetch the page again, at most every 5 s. Meanwhile `--rate` events a
second are published: assessments of the cohort's cases drawn at random, each opening an
A-KS-06 alert at once (so every team's worklist keeps changing), and once a second a new case
in a probe team (an allocation, then such an assessment). Reported: page times (p50, p99, max),
and the update delay: a probe browser fetches the probe team's worklist as JSON as soon as its
stream says it changed (no 5 s pacing), and a case's delay runs from handing its assessment to
the producer to its CRN in that worklist (p50, p99, max). The first 10 s are left out.
"""

import argparse
import asyncio
import gc
import json
import random
import statistics
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
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


async def browser(client: aiohttp.ClientSession, site: str, token: str, pdu: str, team: str,
                  heard: Heard, stop: asyncio.Event, probe: bool = False) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    page = f"{site}/teams/{pdu}/{team}"
    last = 0.0

    async def fetch() -> None:
        nonlocal last
        last = time.monotonic()
        try:
            async with client.get(page, headers={**headers, "Accept": "text/html"}) as answer:
                await answer.read()
                status = answer.status
            now = time.monotonic()
            if status != 200:
                heard.errors += 1
                return
            if now - heard.start > WARM_UP:
                heard.pages.append(now - last)
            if probe:  # the whole worklist, not the page's first 50 cases: every case it holds
                async with client.get(page, headers={**headers,
                                                     "Accept": "application/json"}) as listed:
                    for case in (await listed.json())["cases"]:
                        heard.seen.setdefault(case["crn"], time.monotonic())
        except aiohttp.ClientError:
            heard.errors += 1

    await fetch()
    pending: asyncio.Task[None] | None = None
    try:
        async with client.get(f"{site}/updates?pdu={pdu}&team={team}",
                              headers={**headers, "Accept": "text/event-stream"}) as stream:
            async for raw in stream.content:
                if stop.is_set():
                    break
                if raw.startswith(b"event: changed") and (pending is None or pending.done()):
                    wait = 0.0 if probe else max(0.0, last + EVERY - time.monotonic())
                    pending = asyncio.create_task(after(wait, fetch))
    except aiohttp.ClientError:
        if not stop.is_set():
            heard.errors += 1


async def after(wait: float, then: Any) -> None:
    await asyncio.sleep(wait)
    await then()


def assessment(crn: str, number: int, moment: datetime) -> bytes:
    """An assessment of an existing case that records neither who is at risk nor the nature of
    the risk: it opens an A-KS-06 alert on the case at once."""
    return json.dumps({
        "eventId": f"{crn}-bench-{number}", "eventType": "assessment.completed", "version": 1,
        "crn": crn, "occurredAt": moment.isoformat(),
        "detail": {"assessmentId": f"AS-bench-{number}", "kind": "REVIEW", "rosh": "HIGH",
                   "riskTo": ["PUBLIC"], "sourcesUsed": ["PREVIOUS_CONVICTIONS"],
                   "strengthsIdentified": True, "personInvolved": True,
                   "diversityConsidered": True}}).encode()


def publish(settings: Settings, cases: list[str], probe: tuple[str, str], rate: float,
            seconds: float, start: datetime, heard: Heard, stop: threading.Event) -> None:
    """`rate` events a second: assessments of existing cases, and once a second a new case in
    the probe team (two of them events) whose alert the probe browser watches for."""
    producer = KafkaProducer(**kafka_python(settings), linger_ms=5)
    pick = random.Random(5)
    began = time.monotonic()
    sent = 0
    while not stop.is_set() and time.monotonic() - began < seconds:
        time.sleep(max(0.0, began + sent / rate - time.monotonic()))
        moment = start + timedelta(seconds=sent / rate)
        if sent % int(rate) == 0:
            number = 900_000 + sent // int(rate)
            for event_id, key, value in case_events(number, moment):
                event = json.loads(value)
                if event["eventType"] == "case.allocated":
                    event["detail"].update(pdu=probe[0], team=probe[1])
                producer.send(settings.events_topic, key=key, value=json.dumps(event).encode())
                if event_id.endswith("-2"):
                    heard.sent[key.decode()] = time.monotonic()
            sent += 2
            continue
        crn = pick.choice(cases)
        producer.send(settings.events_topic, key=crn.encode(),
                      value=assessment(crn, sent, moment))
        sent += 1
    producer.flush()
    producer.close()


async def swarm(site: str, issuer: MintedIssuer, teams: list[tuple[str, str]],
                probe: tuple[str, str], browsers: int, seconds: float, heard: Heard) -> None:
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=browsers * 2 + 10)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=None)) as client:
        tasks = [asyncio.create_task(browser(
            client, site, issuer.token(f"MGR{n:03d}", (MANAGER,), lasts=3600),
            *teams[n % len(teams)], heard, stop)) for n in range(browsers)]
        tasks.append(asyncio.create_task(browser(
            client, site, issuer.token("PROBE", (MANAGER,), lasts=3600), *probe, heard, stop,
            probe=True)))
        await asyncio.sleep(seconds)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def load(lines: list[bytes], args: argparse.Namespace, home: Path) -> None:
    allocations = [e for e in map(json.loads, lines) if e["eventType"] == "case.allocated"]
    teams = sorted({(e["detail"]["pdu"], e["detail"]["team"]) for e in allocations})
    cases = sorted({e["crn"] for e in allocations})
    probe = (teams[0][0], "probe-team")
    latest = max(datetime.fromisoformat(json.loads(line)["occurredAt"]) for line in lines)
    directory = "fallback = \"quality@probation.example\"\n" + "".join(
        f'[staff.MGR{n:03d}]\npdu = "{teams[n % len(teams)][0]}"\n'
        f'teams = ["{teams[n % len(teams)][1]}"]\n' for n in range(args.browsers)) + (
        f'[staff.PROBE]\npdu = "{probe[0]}"\nteams = ["{probe[1]}"]\n')
    with local_broker(home, "bench-serve", partitions=1, clock="event",
                      state_dir=home / "state", web_port=free_port()) as settings, \
            minted_issuer() as issuer:
        cli(settings, "publish", "-", stdin=b"\n".join(lines) + b"\n")
        worker = start_worker(settings)
        try:
            while not caught_up(settings, [settings.events_topic]):
                if worker.poll() is not None:
                    raise SystemExit(f"the worker exited ({worker.returncode})")
                time.sleep(1)
            served = serve_settings(settings, home / "serve", issuer.url, directory,
                                    port=free_port())
            with serving(served, home / "serve.log", "--regions", "north-east") as site:
                heard = Heard()
                stop = threading.Event()
                producer = threading.Thread(target=publish, args=(
                    settings, cases, probe, args.rate, args.seconds,
                    latest + timedelta(hours=1), heard, stop))
                producer.start()
                asyncio.run(swarm(site.url, issuer, teams, probe, args.browsers,
                                  args.seconds + 10, heard))
                stop.set()
                producer.join()
        finally:
            stop_worker(worker)
    delays = [heard.seen[crn] - sent for crn, sent in heard.sent.items()
              if crn in heard.seen and sent - heard.start > WARM_UP]
    missed = sum(1 for crn, sent in heard.sent.items()
                 if crn not in heard.seen and sent - heard.start > WARM_UP)
    print(f"{args.browsers} browsers on {len(teams)} teams, {args.rate:.0f} events/s for "
          f"{args.seconds:.0f} s ({len(heard.sent):,} probe cases opened):")
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
