"""A progress bar on stderr, shown only to a person at a terminal and only for large inputs."""

import sys
import time
from typing import IO


class Progress:
    def __init__(self, total_bytes: int, label: str, stream: IO[str] = sys.stderr) -> None:
        self.total = max(total_bytes, 1)
        self.done = 0
        self.label = label
        self.stream = stream
        self.started = time.monotonic()
        self._last = 0.0

    @classmethod
    def for_input(cls, total_bytes: int | None, label: str) -> "Progress | None":
        if total_bytes is None or total_bytes < 5_000_000 or not sys.stderr.isatty():
            return None
        return cls(total_bytes, label)

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            self._draw(now)

    def finish(self) -> None:
        self.done = self.total
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float) -> None:
        fraction = min(self.done / self.total, 1.0)
        filled = int(30 * fraction)
        rate = self.done / max(now - self.started, 1e-9) / 1e6
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] "
                          f"{100 * fraction:5.1f}% {rate:5.1f} MB/s")
        self.stream.flush()
