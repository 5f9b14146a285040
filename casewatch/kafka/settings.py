"""Worker and CLI configuration: environment variables, overridable by flags.

| variable                          | default                  |
|-----------------------------------|--------------------------|
| CASEWATCH_BOOTSTRAP_SERVERS       | localhost:9092           |
| CASEWATCH_APP_ID                  | casewatch                |
| CASEWATCH_EVENTS_TOPIC            | casewatch.case-events    |
| CASEWATCH_TICKS_TOPIC             | casewatch.ticks          |
| CASEWATCH_DEAD_LETTER_TOPIC       | casewatch.dead-letter    |
| CASEWATCH_ALERTS_TOPIC_PREFIX     | casewatch.alerts.        |
| CASEWATCH_DEADLINES_TOPIC_PREFIX  | casewatch.deadlines.     |
| CASEWATCH_PARTITIONS              | 4                        |
| CASEWATCH_REPLICATION             | 1: the local broker's; 3 in production |
| CASEWATCH_EVENTS_RETENTION_DAYS   | 400: case events kept, for replays and rebuilds |
| CASEWATCH_DEAD_LETTER_RETENTION_DAYS | 30                    |
| CASEWATCH_COMPACTED_RETENTION_DAYS | 0: alert and deadline states kept for ever |
| CASEWATCH_STATE_DIR               | .casewatch-state         |
| CASEWATCH_CLOCK                   | wall (or event)          |
| CASEWATCH_TICK_SECONDS            | 30                       |
| CASEWATCH_METRICS_SECONDS         | 1                        |
| CASEWATCH_OPEN_CASES              | 2000: cases kept decoded per partition |
| CASEWATCH_SLICE_CASES             | 50: cases falling due or re-derived per step  |
| CASEWATCH_WEB_PORT                | 6066                     |
| CASEWATCH_WEB_HOST                | 127.0.0.1                |
| CASEWATCH_SESSION_TIMEOUT         | 15 (seconds)             |
| CASEWATCH_STALL_SECONDS           | 120: work waiting and no progress this long is a stall |
| CASEWATCH_EXIT_ON_STALL           | false: exit (for a supervisor to restart) on a stall |
| CASEWATCH_FAULT                   | (none): hang-partition-N or stop-ticks, for tests only |
| CASEWATCH_ALERTMANAGER_URLS       | (none): comma-separated Alertmanager base URLs, for notify |
| CASEWATCH_NOTIFY_RESEND_SECONDS   | 60: how often notify re-sends an open alert |
| CASEWATCH_NOTIFY_PORT             | 6067: notify's /metrics port (on CASEWATCH_WEB_HOST) |
| CASEWATCH_INGEST_QUEUE_URL        | (none): the SQS queue `casewatch ingest hmpps` reads |
| CASEWATCH_SQS_ENDPOINT            | (none): the SDK's own; a local SQS-compatible server |
| CASEWATCH_INGEST_WAIT_SECONDS     | 20: SQS long polling, per receive |
| CASEWATCH_INGEST_PORT             | 6068: ingest's /metrics port (on CASEWATCH_WEB_HOST) |
| CASEWATCH_DETAIL_HOSTS            | (none): comma-separated scheme://host[:port] to fetch from |
| CASEWATCH_HMPPS_AUTH_URL          | (none): HMPPS Auth's token endpoint (client credentials) |
| CASEWATCH_HMPPS_CLIENT_ID         | (none): ingest's client id at HMPPS Auth |
| CASEWATCH_HMPPS_CLIENT_SECRET_FILE | (none): a file holding its client secret |
| CASEWATCH_INGEST_TEAMS            | (none): the team directory, TOML (casewatch/ingest/teams.py) |
| CASEWATCH_SERVE_PORT              | 6069: the live worklist (on CASEWATCH_WEB_HOST) |
| CASEWATCH_PUBLIC_URL              | (none): the address people open; http://host:port if unset |
| CASEWATCH_OIDC_ISSUER             | (none, required by serve): the sign-in provider's issuer |
| CASEWATCH_OIDC_CLIENT_ID          | casewatch-web: serve's client at the provider |
| CASEWATCH_OIDC_CLIENT_SECRET_FILE | (none, required by serve): a file holding its secret |
| CASEWATCH_OIDC_AUDIENCE           | casewatch: the audience a bearer token must name |
| CASEWATCH_SESSION_KEY_FILE        | (none, required by serve): a file holding the cookie key |
| CASEWATCH_DIRECTORY               | (none, required by serve): the manager directory, TOML |
| CASEWATCH_WEB_ASSETS              | (none): node_modules with GOV.UK and MoJ Frontend |
| CASEWATCH_SECURITY_PROTOCOL       | PLAINTEXT (SSL, SASL_PLAINTEXT, SASL_SSL) |
| CASEWATCH_SASL_MECHANISM          | SCRAM-SHA-512 (or PLAIN) |
| CASEWATCH_SASL_USERNAME           | (none)                   |
| CASEWATCH_SASL_PASSWORD_FILE      | (none): a file holding the password |
| CASEWATCH_SSL_CAFILE              | (none): the system's CAs |
| CASEWATCH_SSL_CERTFILE / _KEYFILE | (none): a client certificate, for mutual TLS |

The password itself is never a setting: only the file that holds it (SPEC §11), read when a
client connects (`security.py`). Settings, their repr and environment() hold no secret.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

Clock = Literal["wall", "event"]


@dataclass(frozen=True)
class Settings:
    bootstrap_servers: str = "localhost:9092"
    app_id: str = "casewatch"
    events_topic: str = "casewatch.case-events"
    ticks_topic: str = "casewatch.ticks"
    dead_letter_topic: str = "casewatch.dead-letter"
    alerts_topic_prefix: str = "casewatch.alerts."
    deadlines_topic_prefix: str = "casewatch.deadlines."
    partitions: int = 4
    replication: int = 1
    # How long each topic keeps its records. Case events: long enough to replay or rebuild a
    # year and a quarter. Alert and deadline topics are compacted, so each key keeps its latest
    # state for ever (0); a number of days also deletes states older than that, open alerts
    # among them, which a notifier or regional team starting afresh would then never see.
    events_retention_days: int = 400
    dead_letter_retention_days: int = 30
    compacted_retention_days: int = 0
    state_dir: Path = Path(".casewatch-state")
    clock: Clock = "wall"
    tick_seconds: float = 30.0
    metrics_seconds: float = 1.0  # how often key-question and caseload gauges are recomputed
    # Cases kept decoded in memory per partition, least recently used closed first; the rest
    # stay in the table and are read when needed. Memory follows this, not the caseload.
    open_cases: int = 2_000
    # Cases falling due, or re-derived after a policy change, per outcome: no more than this
    # many are held open, and others' messages wait, between two of the partition's awaits.
    slice_cases: int = 50
    web_port: int = 6066
    # Loopback by default; 0.0.0.0 where Prometheus scrapes from another host or container.
    web_host: str = "127.0.0.1"
    # How long a silent worker keeps its partitions before others take over. Kafka's 45 s
    # default leaves a crashed worker's cases unwatched for most of a minute.
    session_timeout: float = 15.0
    stall_seconds: float = 120.0
    exit_on_stall: bool = False
    # Deliberate faults, so tests can prove a stall is seen: "hang-partition-N" makes the
    # events agent stop taking messages once one from partition N arrives; "stop-ticks" stops
    # the wall-clock ticks. Never set in production.
    fault: str = ""
    alertmanager_urls: str = ""
    notify_resend_seconds: float = 60.0
    notify_port: int = 6067
    ingest_queue_url: str = ""
    sqs_endpoint: str = ""
    ingest_wait_seconds: int = 20
    ingest_port: int = 6068
    # Detail fetches (§13): allow-listed hosts, HMPPS Auth's token endpoint and the client whose
    # credentials it takes (the secret only as a file), and the team directory.
    detail_hosts: str = ""
    hmpps_auth_url: str = ""
    hmpps_client_id: str = ""
    hmpps_client_secret_file: str = ""
    ingest_teams: str = ""
    # casewatch serve (the live worklist): where people reach it, the sign-in provider and
    # serve's client there (the secret and the session key only as files), the directory of
    # who sees what, and the front-end packages it serves.
    serve_port: int = 6069
    public_url: str = ""
    oidc_issuer: str = ""
    oidc_client_id: str = "casewatch-web"
    oidc_client_secret_file: str = ""
    oidc_audience: str = "casewatch"
    session_key_file: str = ""
    directory: str = ""
    web_assets: str = ""
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    sasl_username: str = ""
    sasl_password_file: str = ""
    ssl_cafile: str = ""
    ssl_certfile: str = ""
    ssl_keyfile: str = ""

    def isolated(self, name: str, bootstrap_servers: str, **changes: Any) -> "Settings":
        """These settings with every topic, the group and the changelog named after `name`:
        for a run (a test, a benchmark, a demo) that must not meet any other on the broker."""
        return replace(self, bootstrap_servers=bootstrap_servers, app_id=name,
                       events_topic=f"{name}.case-events", ticks_topic=f"{name}.ticks",
                       dead_letter_topic=f"{name}.dead-letter",
                       alerts_topic_prefix=f"{name}.alerts.",
                       deadlines_topic_prefix=f"{name}.deadlines.", **changes)

    def alerts_topic(self, region: str) -> str:
        return f"{self.alerts_topic_prefix}{region}"

    def deadlines_topic(self, region: str) -> str:
        """A region's pending deadlines, one record per case (key: CRN), for due-soon lists."""
        return f"{self.deadlines_topic_prefix}{region}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from CASEWATCH_<FIELD> variables; unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in fields(cls):
            text = env.get(variable(field.name))
            if text is None:
                continue
            kind = type(getattr(cls, field.name))
            if kind is bool:
                if text.lower() not in ("true", "false", "1", "0", "yes", "no", ""):
                    raise ValueError(f"{variable(field.name)} must be true or false, not {text!r}")
                values[field.name] = text.lower() in ("true", "1", "yes")
            else:  # parsed as the default's type: str, int, float or Path
                values[field.name] = kind(text)
        if values.get("clock", cls.clock) not in ("wall", "event"):
            raise ValueError(f"CASEWATCH_CLOCK must be wall or event, not {values['clock']!r}")
        settings = cls(**values)
        _check_security(settings)
        return settings

    def environment(self) -> dict[str, str]:
        """These settings as CASEWATCH_<FIELD> variables, for a process started with them."""
        return {variable(field.name): str(getattr(self, field.name)) for field in fields(self)}


def variable(field: str) -> str:
    return f"CASEWATCH_{field.upper()}"


PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "PLAIN")


def _check_security(settings: Settings) -> None:
    """Refuse settings no client could connect with, with a one-line reason."""
    protocol = settings.security_protocol
    if protocol not in PROTOCOLS:
        raise ValueError(f"CASEWATCH_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}, "
                         f"not {protocol!r}")
    if protocol.startswith("SASL_"):
        if settings.sasl_mechanism not in MECHANISMS:
            raise ValueError(f"CASEWATCH_SASL_MECHANISM must be one of {', '.join(MECHANISMS)}, "
                             f"not {settings.sasl_mechanism!r}")
        missing = [name for name, value in (
            ("CASEWATCH_SASL_USERNAME", settings.sasl_username),
            ("CASEWATCH_SASL_PASSWORD_FILE", settings.sasl_password_file),
        ) if not value]
        if missing:
            raise ValueError(f"{protocol} needs {' and '.join(missing)}")
    if bool(settings.ssl_certfile) != bool(settings.ssl_keyfile):
        raise ValueError("CASEWATCH_SSL_CERTFILE and CASEWATCH_SSL_KEYFILE go together")
