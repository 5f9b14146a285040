"""The team directory (CASEWATCH_INGEST_TEAMS): each team code's region and PDU, or a one-line
reason the file cannot be used."""

from pathlib import Path

import pytest

from casewatch.ingest.detail import Place
from casewatch.ingest.teams import load_teams


def test_each_team_s_region_and_pdu_are_read(tmp_path: Path) -> None:
    path = tmp_path / "teams.toml"
    path.write_text('[teams.N07ABC]\nregion = "north-east"\npdu = "county-durham"\n'
                    '[teams.N07ABD]\nregion = "north-east"\npdu = "Tees Valley"\n')
    assert load_teams(path) == {"N07ABC": Place("north-east", "county-durham"),
                                "N07ABD": Place("north-east", "Tees Valley")}


@pytest.mark.parametrize(("text", "reason"), [
    ("teams = 3", "has no [teams.CODE] tables"),
    ("[teams]\nN07ABC = 1", "'N07ABC' is not a team code's table"),
    ('[teams."N07 ABC"]\nregion = "north-east"\npdu = "p"', "'N07 ABC' is not a team code"),
    ('[teams.N07ABC]\nregion = "North East"\npdu = "p"', "team N07ABC needs a region slug"),
    ('[teams.N07ABC]\nregion = "north-east"', "team N07ABC needs a pdu"),
    ("[teams", "is not TOML"),
])
def test_a_directory_that_cannot_be_used_is_said_in_one_line(tmp_path: Path, text: str,
                                                             reason: str) -> None:
    path = tmp_path / "teams.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="the team directory") as error:
        load_teams(path)
    assert reason in str(error.value) and "\n" not in str(error.value)


def test_a_missing_directory_is_said_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read the team directory .*: No such file"):
        load_teams(tmp_path / "absent.toml")
