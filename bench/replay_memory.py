"""Resident memory of `casewatch replay` per case, as the command really runs.

    ./run bench memory [--cases 4000 16000] [--days 365] [--format table json]
                       [--partitions auto 1] [--jobs 1 2] [--command replay worklist analyse]

For each size, a simulated cohort over `--days` is written to a temporary file (the simulator
streams, so 240,000 cases fit), then `casewatch replay FILE --format F` runs as a child process
with its output discarded, and its peak resident set size is read from the kernel (wait4's
rusage, for that child alone). The baseline, in the same run, is the same command on a one-case
cohort: the interpreter, the libraries and the engine's tables. Per case = (peak - baseline) /
cases. Peak, not final: it is what the machine must have. `--partitions` runs the command
with each setting in turn: "auto" is the command's own choice (one partition per 16 MiB of
input), "1" the whole caseload in memory. `--jobs` sets the processes replaying partitions side
by side (default 1). The kernel's peak for a process and its children is the largest one's, so
"tree MiB" also shows the largest sum over the command's processes, sampled from /proc every
0.1 s (it can miss a short peak, and counts pages they share in each).

`--command` also measures `casewatch worklist` for one team and `casewatch analyse` for one PDU
(as JSON; the simulated region has two PDUs of four teams each), which from partitions keep only
each partition's worklist rows or counts.
"""

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.processes import tree_rss
from casewatch.simulate.simulation import Simulation, write_jsonl


def cohort_file(directory: Path, cases: int, days: int) -> tuple[Path, int]:
    path = directory / f"cohort-{cases}.jsonl"
    with path.open("w") as stream:
        events = write_jsonl(Simulation(cases=cases, seed=11, start=date(2025, 4, 1), days=days,
                                        quality=0.7).events(), stream)
    return path, events


# What each command is asked for: the replay's format is set by --format.
SCOPES = {
    "replay": [],
    "worklist": ["--team", "county-durham-darlington-team-2", "--format", "json"],
    "analyse": ["--pdu", "county-durham-darlington", "--format", "json"],
}


def peak_rss(path: Path, command: list[str], partitions: str = "auto",
             jobs: int = 1) -> tuple[int, int, float]:
    """The command's peak resident memory in bytes (the kernel's: its largest process), the
    largest sum over its processes sampled every 0.1 s, and its wall time in seconds."""
    started = time.perf_counter()
    setting = ["--jobs", str(jobs)] + ([] if partitions == "auto" else ["--partitions", partitions])
    child = subprocess.Popen(
        [sys.executable, "-m", "casewatch", command[0], str(path), *command[1:], *setting],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree = 0
    while True:
        tree = max(tree, tree_rss(child.pid))
        done, status, usage = os.wait4(child.pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    if child.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {child.stderr.read().decode(errors='replace')}")
    child.stderr.close()
    return usage.ru_maxrss * 1024, tree, elapsed  # Linux reports KiB


def commands(names: list[str], formats: list[str]) -> list[tuple[str, list[str]]]:
    """Each command to measure, with a short name for the table."""
    chosen = []
    for name in names:
        if name == "replay":
            chosen += [(f"replay {output}", ["replay", "--format", output]) for output in formats]
        else:
            chosen.append((name, [name, *SCOPES[name]]))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[4000, 16000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--format", nargs="+", default=["table", "json"],
                        choices=["table", "json"])
    parser.add_argument("--partitions", nargs="+", default=["auto"])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1])
    parser.add_argument("--command", nargs="+", default=["replay"], choices=list(SCOPES))
    args = parser.parse_args()
    measured = commands(args.command, args.format)
    with tempfile.TemporaryDirectory(prefix="casewatch-memory-") as name:
        directory = Path(name)
        tiny, _ = cohort_file(directory, 1, args.days)
        baseline = {label: peak_rss(tiny, command)[0] for label, command in measured}
        print("baseline (one case): " + ", ".join(
            f"{label} {peak / 2**20:,.0f} MiB" for label, peak in baseline.items()))
        print(f"{'cases':>8} {'events':>10} {'MiB in':>7} {'command':>12} {'partitions':>10} "
              f"{'jobs':>4} {'peak MiB':>9} {'KiB/case':>9} {'tree MiB':>9} {'seconds':>8}")
        for cases in args.cases:
            path, events = cohort_file(directory, cases, args.days)
            size = path.stat().st_size / 2**20
            for label, command in measured:
                for partitions, jobs in itertools.product(args.partitions, args.jobs):
                    if partitions == "1" and jobs > 1:
                        continue  # in memory: one process whatever --jobs says
                    peak, tree, elapsed = peak_rss(path, command, partitions, jobs)
                    per_case = (peak - baseline[label]) / cases / 1024
                    print(f"{cases:>8} {events:>10,} {size:>7,.0f} {label:>12} {partitions:>10} "
                          f"{jobs:>4} {peak / 2**20:>9,.0f} {per_case:>9.1f} "
                          f"{tree / 2**20:>9,.0f} {elapsed:>8.0f}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
