"""`casewatch serve`: the manager's worklist, live, in the browser (built on the GOV.UK and MoJ
design systems). `access` (who sees which teams) and `silences` (Alertmanager's silences as a
manager makes them) are pure; `oidc` signs people in and verifies tokens against the issuer;
`live` follows the alert topics and Alertmanager's silences into one `Standing` view; `app`
serves its pages and JSON.

May import `schemas`, `engine`, `kafka`, `delivery`, `pages` and the shared modules; only `cli`
imports it.
"""
