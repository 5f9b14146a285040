"""Logs an operator can read during an outage.

While the broker is away, aiokafka retries without pause and logs every failed attempt:
measured with a broker stopped for a few seconds mid-stream, about 297,000 error lines. This
lets one record of each kind through per interval and says how many like it were dropped.
"""

import logging
import time


class Repeats(logging.Filter):
    def __init__(self, interval: float = 5.0) -> None:
        super().__init__()
        self.interval = interval
        self._last: dict[tuple[str, str], float] = {}
        self._dropped: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._dropped[key] = self._dropped.get(key, 0) + 1
            return False
        self._last[key] = now
        dropped = self._dropped.pop(key, 0)
        if dropped:
            record.msg = f"{record.msg} [{dropped} more like this in the last {self.interval:.0f}s]"
        return True


def collapse_repeats(prefix: str = "aiokafka", interval: float = 5.0) -> Repeats:
    """Filter every logger under `prefix` (filters apply where a record is made, so each)."""
    import aiokafka  # noqa: F401 - its modules create their loggers on import

    repeats = Repeats(interval)
    names = [n for n in logging.root.manager.loggerDict if n == prefix or
             n.startswith(prefix + ".")]
    for name in names:
        logging.getLogger(name).addFilter(repeats)
    return repeats
