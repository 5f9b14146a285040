"""Where the commands that read JSON Lines (replay, worklist, publish) get their bytes."""

import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from casewatch.errors import CommandError
from casewatch.progress import Progress


@contextmanager
def opened(path: str, task: str) -> Iterator[tuple[IO[bytes], Progress | None]]:
    """PATH's bytes, or standard input's for "-", with a progress bar for a large file; a
    one-line CommandError if it cannot be read."""
    if path == "-":
        yield sys.stdin.buffer, None
        return
    file = Path(path)
    try:
        stream = file.open("rb")
    except OSError as error:
        raise CommandError(f"cannot read {file}: {error.strerror}") from None
    with stream:
        yield stream, Progress.for_input(file.stat().st_size if file.is_file() else None, task)


def size_of(stream: IO[bytes]) -> int | None:
    """The input's size in bytes when it is a regular file (a path, or a file redirected to
    standard input); None for a pipe or a terminal."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None
