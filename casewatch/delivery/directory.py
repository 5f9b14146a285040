"""The directory: who receives casewatch's emails (SPEC §10), by manager, PDU, region and for
operations.

Alertmanager picks an email's recipient with a template over the group's labels, and templates
cannot read files, so `casewatch managers template DIRECTORY` turns the directory into one:
`{{ template "casewatch.manager.address" . }}` gives the address of the group's `manager`
label, `casewatch.pdu.address` that of its `pdu` (who is paged for a PDU's critical practice
alerts), `casewatch.region.address` that of its `region` (its quality team) and
`casewatch.operations.address` who runs the service. Each falls back to the directory's
`fallback` (a regional or national quality mailbox), so no alert reaches nobody.

`[staff]` says who may sign in to the live worklist (`casewatch serve`) and what each sees, by
the user name the sign-in provider gives them: `pdu`, and the `teams` of that PDU they manage.
Their role (manager or PDU head) comes from the provider's token, not from here, so the
directory can only narrow what a role reaches, never grant a role. The directory
holds personal data: it lives outside the repository (`deploy/alertmanager/managers.example.toml`
shows its shape with placeholders). Everything written into the template is checked first, so no
entry can inject template code.
"""

import re
import tomllib
from dataclasses import dataclass, field

ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
MANAGER_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class DirectoryError(ValueError):
    pass


@dataclass(frozen=True)
class Directory:
    fallback: str
    managers: dict[str, str]  # manager id → address
    pdus: dict[str, str] = field(default_factory=dict)  # PDU slug → its manager's address
    regions: dict[str, str] = field(default_factory=dict)  # region slug → its quality team
    operations: str | None = None  # who runs casewatch: paged for its operational alerts
    # Sign-in user name, upper-cased → where they work.
    staff: dict[str, "Staff"] = field(default_factory=dict)


@dataclass(frozen=True)
class Staff:
    """Where one person who signs in works: their PDU, and the teams of it they manage."""

    pdu: str
    teams: tuple[str, ...] = ()


# The keyed tables, each with the group label that chooses an entry.
TABLES = {"managers": "manager", "pdus": "pdu", "regions": "region"}


def parse(text: str) -> Directory:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DirectoryError(f"not TOML: {error}") from None
    fallback = data.get("fallback")
    if not isinstance(fallback, str) or not ADDRESS.fullmatch(fallback):
        raise DirectoryError("fallback must be an email address (for managers not listed)")
    operations = data.get("operations")
    if operations is not None and not (isinstance(operations, str)
                                       and ADDRESS.fullmatch(operations)):
        raise DirectoryError("operations must be an email address (who runs casewatch)")
    tables = {name: _table(data, name) for name in TABLES}
    return Directory(fallback, tables["managers"], tables["pdus"], tables["regions"], operations,
                     _staff(data))


def _staff(data: dict[str, object]) -> dict[str, Staff]:
    entries = data.get("staff", {})
    if not isinstance(entries, dict):
        raise DirectoryError("[staff] must be a table of user name = {pdu, teams}")
    staff = {}
    for user, entry in entries.items():
        if not MANAGER_ID.fullmatch(user):
            raise DirectoryError(f"staff user name {user!r} is not letters, digits, . _ or -")
        if not isinstance(entry, dict) or not isinstance(entry.get("pdu"), str) or \
                not MANAGER_ID.fullmatch(entry["pdu"]):
            raise DirectoryError(f"staff {user} needs pdu = the PDU they work in")
        teams = entry.get("teams", [])
        if not isinstance(teams, list) or not all(
                isinstance(t, str) and MANAGER_ID.fullmatch(t) for t in teams):
            raise DirectoryError(f"staff {user}: teams must be a list of team names")
        # User names are matched whatever their case, as HMPPS Auth matches them.
        staff[user.upper()] = Staff(entry["pdu"], tuple(sorted(set(teams))))
    return dict(sorted(staff.items()))


def _table(data: dict[str, object], name: str) -> dict[str, str]:
    entries = data.get(name, {})
    if not isinstance(entries, dict):
        raise DirectoryError(f"[{name}] must be a table of {TABLES[name]} = address")
    for key, address in entries.items():
        if not MANAGER_ID.fullmatch(key):
            raise DirectoryError(f"{TABLES[name]} {key!r} is not letters, digits, . _ or -")
        if not isinstance(address, str) or not ADDRESS.fullmatch(address):
            raise DirectoryError(f"the address for {TABLES[name]} {key} is not an email address")
    return dict(sorted(entries.items()))


def template(directory: Directory) -> str:
    lines = ["{{/* Generated by `casewatch managers template`: do not edit, do not commit. */}}"]
    for name, label in TABLES.items():
        lines += _lookup(f"casewatch.{label}.address", label, getattr(directory, name),
                         directory.fallback)
    lines += ['{{ define "casewatch.operations.address" }}'
              f"{directory.operations or directory.fallback}{{{{- end }}}}"]
    return "\n".join(lines) + "\n"


def _lookup(name: str, label: str, entries: dict[str, str], fallback: str) -> list[str]:
    """A template naming the address of the group's `label`, or `fallback`."""
    lines = [f'{{{{ define "{name}" }}}}{{{{- $key := .GroupLabels.{label} -}}}}']
    for number, (key, address) in enumerate(entries.items()):
        keyword = "if" if number == 0 else "else if"
        lines.append(f'{{{{- {keyword} eq $key "{key}" -}}}}{address}')
    if entries:
        lines.append(f"{{{{- else -}}}}{fallback}{{{{- end -}}}}")
    else:
        lines.append(fallback)
    lines.append("{{- end }}")
    return lines
