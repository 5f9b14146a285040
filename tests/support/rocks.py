"""A real RocksDB table (rocksdict, as faust's store opens it) for tests of the worker's shell."""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

from rocksdict import Options, Rdict

from casewatch.engine.snapshot import Row
from casewatch.worker.watch import Outcome, PartitionWatch


class LocalTable:
    def __init__(self, path: Path) -> None:
        self.db = Rdict(str(path), Options(raw_mode=True))

    def write(self, rows: Iterable[Row]) -> None:
        for key, value in rows:
            self.db.put(key, value)

    def scan(self, key: bytes) -> Iterator[Row]:
        # raw_mode: keys and values are bytes (the stubs allow any key type).
        return iter(cast(Iterable[Row], self.db.items(from_key=key)))

    def settle(self, watch: PartitionWatch, outcome: Outcome) -> Outcome:
        """What the worker does with an outcome's rows: written at once, then cases may close."""
        self.write(outcome.rows)
        watch.tidy()
        return outcome

    def take(self, watch: PartitionWatch, raw: bytes) -> Outcome:
        """One message as the worker takes it: every slice settled, merged into one outcome."""
        merged = Outcome()
        for outcome in watch.message(raw):
            self.settle(watch, outcome)
            outcome.restored = merged.restored + outcome.restored
            outcome.changes = merged.changes + outcome.changes
            outcome.rows = merged.rows + outcome.rows
            outcome.deadlines = merged.deadlines + outcome.deadlines
            merged = outcome
        return merged

    def close(self) -> None:
        self.db.close()
