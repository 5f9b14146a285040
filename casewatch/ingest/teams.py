"""The team directory (CASEWATCH_INGEST_TEAMS): each Delius team code's region and PDU, which
an allocation detail does not carry. A TOML file, one table a team:

    [teams.N07ABC]
    region = "north-east"
    pdu = "county-durham-and-darlington"

An allocation to a team not in it is dead-lettered with that reason, to be replayed once the
team is added. It names teams, not people, so it may live beside the deploy config.
"""

import re
import tomllib
from pathlib import Path

from casewatch.ingest.detail import Place
from casewatch.ingest.fields import CODE

REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def load_teams(path: Path) -> dict[str, Place]:
    """The directory, or ValueError with a one-line reason."""
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read the team directory {path}: "
                         f"{getattr(error, 'strerror', None) or type(error).__name__}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"the team directory {path} is not TOML: {error}") from None
    teams = document.get("teams")
    if not isinstance(teams, dict):
        raise ValueError(f"the team directory {path} has no [teams.CODE] tables")
    places = {}
    for team, entry in teams.items():
        if not CODE.fullmatch(team) or not isinstance(entry, dict):
            raise ValueError(f"the team directory {path}: {team!r} is not a team code's table")
        region, pdu = entry.get("region"), entry.get("pdu")
        if not isinstance(region, str) or not REGION.fullmatch(region) or len(region) > 64:
            raise ValueError(f"the team directory {path}: team {team} needs a region slug")
        if not isinstance(pdu, str) or not 0 < len(pdu) <= 128:
            raise ValueError(f"the team directory {path}: team {team} needs a pdu")
        places[team] = Place(region, pdu)
    return places
