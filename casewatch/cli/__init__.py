"""The `casewatch` command line: `main` (the parser and its errors), `arguments` (the shared
argument types), `files` (the commands over a JSON Lines file: replay, worklist, analyse,
simulate), `streaming` (broker, topics, acl, worker, publish, clock, alerts, notify, managers)
and `demo`. Thin: parsing, reading files and printing; the work is in the packages it calls.
"""
