"""Only the worker's user may read its state directory, where its table keeps case events."""

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from casewatch.errors import CommandError
from casewatch.private import keep_private


@pytest.fixture(autouse=True)
def umask_restored() -> Iterator[None]:
    """keep_private sets the umask of the whole process: the test process gets its own back."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_new_state_directory_and_what_is_made_in_it_are_the_user_s_alone(
        tmp_path: Path) -> None:
    state = tmp_path / "var" / "casewatch"
    keep_private(state)
    assert mode(state) == 0o700
    (state / "tables").mkdir()
    (state / "tables" / "000001.sst").write_bytes(b"case events")
    assert mode(state / "tables") == 0o700
    assert mode(state / "tables" / "000001.sst") == 0o600


def test_a_state_directory_left_open_is_closed_and_said_so(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(0o755)
    with caplog.at_level(logging.WARNING, logger="casewatch.worker"):
        keep_private(state)
    assert mode(state) == 0o700
    assert f"{state} was open to other users (mode 755): now 700" in caplog.text
    caplog.clear()
    keep_private(state)  # already private: nothing to say
    assert not caplog.text


def test_a_state_directory_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(CommandError) as refused:
        keep_private(tmp_path / "a-file" / "state")
    assert str(refused.value).startswith(
        f"cannot keep the state directory {tmp_path / 'a-file' / 'state'} to this user: ")
    assert "\n" not in str(refused.value)
