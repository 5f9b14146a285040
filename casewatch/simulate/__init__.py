"""Synthetic PDU event streams (`casewatch simulate`): cases allocated over a period, with
practice done well or late as often as a chosen quality says. For demos, tests and benchmarks;
never real data. May import `schemas` and `engine`.
"""
