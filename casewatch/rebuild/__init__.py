"""`casewatch rebuild` (SPEC §14): a deployment's state computed in bulk from the input topic.

`state` makes a partition's caseload, computed by the batch engine, into the worker's table rows,
alert states and deadline records; `differ` decides which of those the output topics do not
already hold, and what they hold that nothing raises any more. Both are pure. `bulk` is the
shell: the input topic read in large fetches, the changelog and topics written, the worker
group's offsets set last.

May import `schemas`, `engine`, `replay`, `kafka` and the shared modules.
"""
