"""The embedded default (SPEC §7): a JSON Lines file of case events through the engine.

`evaluate` replays in memory; `partitions` splits a large input into partitions of cases on
disk and replays them one at a time or side by side; `report` builds SPEC §7's document and
`table` renders it for a person. May import `schemas`, `engine`, `metrics` and the shared
modules; no Kafka.
"""
