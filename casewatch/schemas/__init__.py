"""The wire contract as pydantic models: case events (SPEC §2–§3), alerts (§5) and the replay
report (§7), their codes, and the JSON Schemas generated from them (`json/`). Imports nothing
of casewatch.
"""
