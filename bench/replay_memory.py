"""Resident memory of `casewatch replay` per case, as the command really runs.

    ./run bench memory [--cases 4000 16000] [--days 365] [--format table json]

For each size, a simulated cohort over `--days` is written to a temporary file (the simulator
streams, so 240,000 cases fit), then `casewatch replay FILE --format F` runs as a child process
with its output discarded, and its peak resident set size is read from the kernel (wait4's
rusage, for that child alone). The baseline, in the same run, is the same command on a one-case
cohort: the interpreter, the libraries and the engine's tables. Per case = (peak - baseline) /
cases. Peak, not final: it is what the machine must have.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from workers.simulate import Simulation, write_jsonl


def cohort_file(directory: Path, cases: int, days: int) -> tuple[Path, int]:
    path = directory / f"cohort-{cases}.jsonl"
    with path.open("w") as stream:
        events = write_jsonl(Simulation(cases=cases, seed=11, start=date(2025, 4, 1), days=days,
                                        quality=0.7).events(), stream)
    return path, events


def peak_rss(path: Path, output: str) -> tuple[int, float]:
    """The replay command's peak resident memory in bytes, and its wall time in seconds."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "replay", str(path), "--format", output],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    if child.returncode != 0:
        raise SystemExit(f"replay failed: {child.stderr.read().decode(errors='replace')}")
    child.stderr.close()
    return usage.ru_maxrss * 1024, elapsed  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[4000, 16000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--format", nargs="+", default=["table", "json"],
                        choices=["table", "json"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casewatch-memory-") as name:
        directory = Path(name)
        tiny, _ = cohort_file(directory, 1, args.days)
        baseline = {output: peak_rss(tiny, output)[0] for output in args.format}
        print("baseline (one case): " + ", ".join(
            f"{output} {peak / 2**20:,.0f} MiB" for output, peak in baseline.items()))
        print(f"{'cases':>8} {'events':>10} {'format':>6} {'peak MiB':>9} {'KiB/case':>9} "
              f"{'seconds':>8}")
        for cases in args.cases:
            path, events = cohort_file(directory, cases, args.days)
            for output in args.format:
                peak, elapsed = peak_rss(path, output)
                per_case = (peak - baseline[output]) / cases / 1024
                print(f"{cases:>8} {events:>10,} {output:>6} {peak / 2**20:>9,.0f} "
                      f"{per_case:>9.1f} {elapsed:>8.0f}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
