"""The argument types the commands share: an instant, a date and a bounded count, each refused
with a one-line reason (argparse prints it and exits 2)."""

import argparse
from datetime import date, datetime


def timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 timestamp: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"timestamp without offset: {text!r}")
    return moment


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def count(text: str, what: str, least: int, most: int) -> int:
    if not text.isdigit() or not least <= int(text) <= most:
        raise argparse.ArgumentTypeError(f"not a number of {what} from {least} to {most}: "
                                         f"{text!r}")
    return int(text)


def add_format(parser: argparse.ArgumentParser, *formats: str) -> None:
    """--format, in the one vocabulary every command shares (text, json, html); `table`, what
    replay and analyse called their text before (SPEC §7, §12), is the same as text."""
    parser.add_argument("--format", type=lambda name: "text" if name == "table" else name,
                        choices=formats, default="text",
                        help=f"{' | '.join(formats)} (default text; table is the same as text)")


def limit(text: str) -> int:
    return count(text, "rows", 0, 1_000_000)
