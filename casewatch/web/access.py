"""Who sees what on the live worklist. Pure.

The sign-in provider says who a person is and what role they hold (HMPPS Auth's `authorities`
claim); the manager directory says where they work. A manager reaches the teams the directory
lists for them, a PDU head their whole PDU; a person with neither role, or with a role and no
directory entry, reaches nothing.
"""

from dataclasses import dataclass

from casewatch.delivery.directory import Directory
from casewatch.delivery.standing import Place

MANAGER = "ROLE_CASEWATCH_MANAGER"
PDU_HEAD = "ROLE_CASEWATCH_PDU_HEAD"


@dataclass(frozen=True)
class Person:
    """Someone signed in, as their token says."""

    user: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Reach:
    teams: frozenset[Place] = frozenset()  # teams managed
    pdus: frozenset[str] = frozenset()  # PDUs headed
    may_silence: bool = False  # managers act on their cases' alerts; PDU heads look

    def team(self, place: Place) -> bool:
        return place in self.teams or place[0] in self.pdus

    def pdu(self, pdu: str) -> bool:
        return pdu in self.pdus

    @property
    def nothing(self) -> bool:
        return not self.teams and not self.pdus


def reach(person: Person, directory: Directory) -> Reach:
    staff = directory.staff.get(person.user.upper())
    if staff is None:
        return Reach()
    manager = MANAGER in person.roles
    return Reach(
        teams=frozenset((staff.pdu, team) for team in staff.teams) if manager else frozenset(),
        pdus=frozenset({staff.pdu}) if PDU_HEAD in person.roles else frozenset(),
        may_silence=manager and bool(staff.teams))
