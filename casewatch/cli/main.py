"""The `casewatch` command line: one parser over every command, and one way to fail (a one-line
message and exit 2)."""

import argparse
import sys
from collections.abc import Sequence

from casewatch import __version__
from casewatch.cli import files, ingest, streaming
from casewatch.engine.policy import PolicyError
from casewatch.errors import CommandError
from casewatch.replay.evaluate import EmptyReplay


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="casewatch", description="Continuous probation case-quality monitoring against HM "
        "Inspectorate of Probation's key questions.")
    parser.add_argument("--version", action="version", version=f"casewatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    files.register(commands)
    streaming.register(commands)
    ingest.register(commands)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (PolicyError, EmptyReplay, CommandError) as error:
        print(f"casewatch: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `casewatch ... | head` is a normal way to look
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
