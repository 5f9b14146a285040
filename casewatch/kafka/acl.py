"""Who may read and write what on the broker (SPEC §11), and `casewatch acl apply|list`.

`grants` is the whole policy as data, from the settings' topic names, so a deployment that
renames its topics gets ACLs for the names it uses. Nobody not granted has any access: the
broker runs the KRaft StandardAuthorizer with `allow.everyone.if.no.acl.found=false`.
`casewatch-admin` is a super user of the broker (it creates topics, SCRAM users and ACLs, so any
narrower grant would still let it grant itself the rest) and needs no ACL here.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from casewatch.errors import CommandError
from casewatch.kafka.admin import admin_client
from casewatch.kafka.settings import Settings

WORKER = "casewatch-worker"
PUBLISHER = "casewatch-publisher"
INGEST = "casewatch-ingest"  # HMPPS domain events in (SPEC §13)
NOTIFY = "casewatch-notify"
WEB = "casewatch-web"  # casewatch serve, the live worklist: reads its regions' topics only
ADMIN = "casewatch-admin"
NOTIFY_GROUP = "casewatch-notify"  # the notifier's consumer groups start with this
DEFAULT_REGIONS = ("north-east", "london", "wales")


def region_principal(region: str) -> str:
    return f"region-{region}"


@dataclass(frozen=True, order=True)
class Grant:
    principal: str  # user name, without "User:"
    resource: str  # TOPIC | GROUP | CLUSTER
    pattern: str  # LITERAL | PREFIXED
    name: str
    operation: str  # READ | WRITE | CREATE | DESCRIBE

    def line(self) -> str:
        return (f"{self.principal:<26} {self.operation:<8} {self.resource.lower():<6} "
                f"{self.name}{'*' if self.pattern == 'PREFIXED' else ''}")


def _topic(principal: str, name: str, *operations: str, prefixed: bool = False) -> list[Grant]:
    pattern = "PREFIXED" if prefixed else "LITERAL"
    return [Grant(principal, "TOPIC", pattern, name, op) for op in operations]


def _group(principal: str, name: str, *, prefixed: bool = False) -> Grant:
    return Grant(principal, "GROUP", "PREFIXED" if prefixed else "LITERAL", name, "READ")


def grants(settings: Settings, regions: Iterable[str]) -> list[Grant]:
    """Every ACL casewatch needs: each principal gets what its job needs and nothing else."""
    alerts = settings.alerts_topic_prefix
    deadlines = settings.deadlines_topic_prefix
    internal = f"{settings.app_id}-"  # faust's changelog and assignor topics
    plan = [
        *_topic(WORKER, settings.events_topic, "READ", "DESCRIBE"),
        *_topic(WORKER, settings.ticks_topic, "READ", "WRITE", "DESCRIBE"),
        *_topic(WORKER, settings.dead_letter_topic, "WRITE", "DESCRIBE"),
        # The worker creates a region's alert and deadlines topics the first time it sees the
        # region.
        # `casewatch rebuild` does the worker's work in bulk, as the worker: it reads what
        # the alert and deadlines topics hold, to send only what differs (SPEC §14).
        *_topic(WORKER, alerts, "READ", "WRITE", "DESCRIBE", "CREATE", prefixed=True),
        *_topic(WORKER, deadlines, "READ", "WRITE", "DESCRIBE", "CREATE", prefixed=True),
        # faust declares its changelog and assignor topics on every start, even if they exist.
        *_topic(WORKER, internal, "READ", "WRITE", "DESCRIBE", "CREATE", prefixed=True),
        _group(WORKER, settings.app_id),
        *_topic(PUBLISHER, settings.events_topic, "WRITE", "DESCRIBE"),
        # Mapped events in, bodies it cannot map to the dead letters: nothing to read.
        *_topic(INGEST, settings.events_topic, "WRITE", "DESCRIBE"),
        *_topic(INGEST, settings.dead_letter_topic, "WRITE", "DESCRIBE"),
        *_topic(NOTIFY, alerts, "READ", "DESCRIBE", prefixed=True),
        *_topic(NOTIFY, deadlines, "READ", "DESCRIBE", prefixed=True),
        _group(NOTIFY, NOTIFY_GROUP, prefixed=True),
    ]
    for region in sorted(set(regions)):
        # The live worklist reads each region it serves from the beginning, with no group:
        # nothing to commit, nothing to write.
        plan += [*_topic(WEB, settings.alerts_topic(region), "READ", "DESCRIBE"),
                 *_topic(WEB, settings.deadlines_topic(region), "READ", "DESCRIBE")]
        principal = region_principal(region)
        plan += [*_topic(principal, settings.alerts_topic(region), "READ", "DESCRIBE"),
                 _group(principal, f"{principal}.", prefixed=True)]
    return sorted(plan)


def principals(regions: Iterable[str]) -> list[str]:
    return [ADMIN, WORKER, PUBLISHER, INGEST, NOTIFY, WEB,
            *(region_principal(r) for r in sorted(set(regions)))]


def _to_acl(grant: Grant) -> Any:
    from kafka.admin import (
        ACL,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePattern,
        ResourceType,
    )

    return ACL(principal=f"User:{grant.principal}", host="*",
               operation=ACLOperation[grant.operation],
               permission_type=ACLPermissionType.ALLOW,
               resource_pattern=ResourcePattern(ResourceType[grant.resource], grant.name,
                                                ACLResourcePatternType[grant.pattern]))


def _from_acl(acl: Any) -> Grant | None:
    if acl.permission_type.name != "ALLOW" or not acl.principal.startswith("User:"):
        return None
    pattern = acl.resource_pattern
    return Grant(acl.principal.removeprefix("User:"), pattern.resource_type.name,
                 pattern.pattern_type.name, pattern.resource_name, acl.operation.name)


def existing(settings: Settings) -> list[Grant]:
    """The ALLOW ACLs on the broker now, as grants (DENY ones are not casewatch's)."""
    from kafka.admin import (
        ACLFilter,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePatternFilter,
        ResourceType,
    )

    admin = admin_client(settings, "casewatch-acl")
    try:
        everything = ACLFilter(principal=None, host="*", operation=ACLOperation.ANY,
                               permission_type=ACLPermissionType.ANY,
                               resource_pattern=ResourcePatternFilter(
                                   ResourceType.ANY, None, ACLResourcePatternType.ANY))
        acls, _ = admin.describe_acls(everything)  # raises what the broker refuses
        found = (_from_acl(acl) for acl in acls)
        return sorted(g for g in found if g is not None)
    finally:
        admin.close()


def apply(settings: Settings, plan: Sequence[Grant]) -> tuple[int, list[Grant]]:
    """Create every grant of `plan` (idempotently); return (created, others on the broker)."""
    before = set(existing(settings))
    missing = [g for g in plan if g not in before]
    if missing:
        admin = admin_client(settings, "casewatch-acl")
        try:
            result = admin.create_acls([_to_acl(g) for g in missing])
        finally:
            admin.close()
        # kafka-python reports refusals in the result instead of raising them.
        failed = result.get("failed", [])
        if failed:
            acl, error = failed[0]
            first = _from_acl(acl)
            raise CommandError(f"cannot create {len(failed)} ACL(s); the first "
                               f"({first.line() if first else acl}) failed: {error}")
    others = sorted(before - set(plan))
    return len(missing), others
