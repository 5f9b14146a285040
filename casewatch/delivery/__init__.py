"""What reaches the people who act (SPEC §10): the worklist document and its renderings, due
soon, the manager directory, Alertmanager's alerts, the outbox of what to send, and `notify`,
the service that follows the alert topics and posts to Alertmanager.

May import `schemas`, `engine`, `kafka`, `pages` and the shared modules.
"""
