"""Errors a command reports to its user as one clear line (exit status 2)."""


class CommandError(Exception):
    pass
