"""SPEC §9's metrics from a caseload: `quality` is the Prometheus collector a worker or a replay
exports, `tally` the per-case counts it adds up. Counts only; ratios and ratings are the
recording rules' (deploy/prometheus). Never a CRN or a person as a label.

May import `schemas`, `engine` and `analysis`.
"""
