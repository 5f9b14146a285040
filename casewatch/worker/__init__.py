"""The streaming worker (SPEC §8): the faust app and the shell around the pure engine.

`app` builds the faust app and its agents; `watch` is a partition's shell (events in, alert
changes and table rows out); `files` keeps a partition's cases in its table with a bounded few
in memory; `sequence` and `continuity` detect the rebalance race (faust-streaming#596);
`liveness`, `stall` and `books` keep a stalled partition from going unseen; `clock` is the
event clock's ticks; `sensors` and `logs` keep faust's own reporting readable.

May import `schemas`, `engine`, `metrics`, `kafka` and the shared modules.
"""
