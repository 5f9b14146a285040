"""requirements.lock pins every dependency pyproject.toml names, each at a version its range
allows, so ./run and the image install exactly the set the tests ran."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s#]+)\s*(#.*)?$")


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (PROJECT / "requirements.lock").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"not a pin: {line!r}"
        found[canonicalize_name(match[1])] = match[2]
    return found


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    named = [Requirement(text) for text in
             [*project["dependencies"], *project["optional-dependencies"]["dev"]]]
    locked = pins()
    missing = [str(r) for r in named if canonicalize_name(r.name) not in locked]
    assert not missing, f"not in requirements.lock: {missing}"
    outside = [f"{r}: {locked[canonicalize_name(r.name)]}" for r in named
               if not r.specifier.contains(locked[canonicalize_name(r.name)], prereleases=True)]
    assert not outside, f"pinned outside pyproject.toml's range: {outside}"


def test_run_and_the_image_install_from_the_lock() -> None:
    assert '-r requirements.lock' in (PROJECT / "run").read_text()
    assert "-r requirements.lock" in (PROJECT / "Dockerfile").read_text()
