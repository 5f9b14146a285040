"""HMPPS domain events in (SPEC §13): what probation's own systems publish, mapped to casewatch
events (§2–§3).

`envelope` reads one SQS body (an SNS notification, or a raw domain event) into a domain event
with its eventId, CRN and occurredAt; `mapping` turns a domain event into casewatch events, or
says why it cannot (a reason that never echoes free text), or that its type is not one casewatch
uses. Both are pure. `service` is the shell round them: the SQS queue in, the input topic
out, a message deleted only once Kafka has acknowledged it. The offline command is in `cli/`.

May import `schemas`, `kafka` and the shared modules.
"""
