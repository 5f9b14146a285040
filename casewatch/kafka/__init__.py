"""The Kafka transport, and nothing else: a local broker (plain or secured, SPEC §11), how
every client connects (`settings`, `security`), ACLs, topics, publishing case events, following
a region's alerts and reading a group's lag.

May import `schemas` and the shared modules, never the engine, the worker or delivery: the rules
know nothing of Kafka, and Kafka nothing of the rules.
"""
