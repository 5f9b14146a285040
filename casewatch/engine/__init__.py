"""The pure core: cases, facts, rules (`rules/`), alerts, ratings, the deadline policy, the
calendar and the worklist's ranking. Events and a clock in, alert changes out: no I/O, no wall
clock, no Kafka, no logging. Imports only `schemas` and itself.
"""
