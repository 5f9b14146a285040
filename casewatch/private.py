"""The worker's table keeps every event of its cases on this host's disk (RocksDB, in the state
directory): criminal-offence data that only the worker's own user may read."""

import logging
import os
from pathlib import Path

from casewatch.errors import CommandError

log = logging.getLogger("casewatch.worker")

OWNER_ONLY = 0o077  # the umask: no permission for the group or anyone else


def keep_private(state_dir: Path) -> None:
    """From now on this process creates files and directories for its user alone, and the state
    directory (made if missing) is closed to everyone else. One an earlier version left open is
    closed now, which puts the files it made in it, open then, out of others' reach too."""
    os.umask(OWNER_ONLY)
    try:
        mode = close(state_dir)
    except OSError as error:
        raise CommandError(f"cannot keep the state directory {state_dir} to this user: "
                           f"{error.strerror}") from None
    if mode is not None:
        log.warning("the state directory %s was open to other users (mode %o): now 700",
                    state_dir, mode)


def close(directory: Path) -> int | None:
    """Make `directory` if missing, and close it to everyone but this user: the mode it had if it
    was open to others, else None."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = directory.stat().st_mode & 0o777
    if not mode & OWNER_ONLY:
        return None
    directory.chmod(0o700)
    return mode
