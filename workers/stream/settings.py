"""Worker and CLI configuration: environment variables, overridable by flags.

| variable                          | default                  |
|-----------------------------------|--------------------------|
| CASEWATCH_BOOTSTRAP_SERVERS       | localhost:9092           |
| CASEWATCH_APP_ID                  | casewatch                |
| CASEWATCH_EVENTS_TOPIC            | casewatch.case-events    |
| CASEWATCH_TICKS_TOPIC             | casewatch.ticks          |
| CASEWATCH_DEAD_LETTER_TOPIC       | casewatch.dead-letter    |
| CASEWATCH_ALERTS_TOPIC_PREFIX     | casewatch.alerts.        |
| CASEWATCH_PARTITIONS              | 4                        |
| CASEWATCH_REPLICATION             | 1                        |
| CASEWATCH_STATE_DIR               | .casewatch-state         |
| CASEWATCH_CLOCK                   | wall (or event)          |
| CASEWATCH_TICK_SECONDS            | 30                       |
| CASEWATCH_METRICS_SECONDS         | 10                       |
| CASEWATCH_WEB_PORT                | 6066                     |
| CASEWATCH_WEB_HOST                | 127.0.0.1                |
| CASEWATCH_SESSION_TIMEOUT         | 15 (seconds)             |
| CASEWATCH_SECURITY_PROTOCOL       | PLAINTEXT                |

Security beyond PLAINTEXT (SASL/TLS) is a placeholder until the reliability work; secrets will
come from files named by variables and are never logged.
"""

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

Clock = Literal["wall", "event"]


@dataclass(frozen=True)
class Settings:
    bootstrap_servers: str = "localhost:9092"
    app_id: str = "casewatch"
    events_topic: str = "casewatch.case-events"
    ticks_topic: str = "casewatch.ticks"
    dead_letter_topic: str = "casewatch.dead-letter"
    alerts_topic_prefix: str = "casewatch.alerts."
    partitions: int = 4
    replication: int = 1
    state_dir: Path = Path(".casewatch-state")
    clock: Clock = "wall"
    tick_seconds: float = 30.0
    metrics_seconds: float = 10.0  # how often key-question and caseload gauges are recomputed
    web_port: int = 6066
    # Loopback by default; 0.0.0.0 where Prometheus scrapes from another host or container.
    web_host: str = "127.0.0.1"
    # How long a silent worker keeps its partitions before others take over. Kafka's 45 s
    # default leaves a crashed worker's cases unwatched for most of a minute.
    session_timeout: float = 15.0
    security_protocol: str = "PLAINTEXT"

    def alerts_topic(self, region: str) -> str:
        return f"{self.alerts_topic_prefix}{region}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        base = cls()
        clock = env.get("CASEWATCH_CLOCK", base.clock)
        if clock not in ("wall", "event"):
            raise ValueError(f"CASEWATCH_CLOCK must be wall or event, not {clock!r}")
        return replace(
            base,
            bootstrap_servers=env.get("CASEWATCH_BOOTSTRAP_SERVERS", base.bootstrap_servers),
            app_id=env.get("CASEWATCH_APP_ID", base.app_id),
            events_topic=env.get("CASEWATCH_EVENTS_TOPIC", base.events_topic),
            ticks_topic=env.get("CASEWATCH_TICKS_TOPIC", base.ticks_topic),
            dead_letter_topic=env.get("CASEWATCH_DEAD_LETTER_TOPIC", base.dead_letter_topic),
            alerts_topic_prefix=env.get("CASEWATCH_ALERTS_TOPIC_PREFIX",
                                        base.alerts_topic_prefix),
            partitions=int(env.get("CASEWATCH_PARTITIONS", base.partitions)),
            replication=int(env.get("CASEWATCH_REPLICATION", base.replication)),
            state_dir=Path(env.get("CASEWATCH_STATE_DIR", str(base.state_dir))),
            clock=clock,  # type: ignore[arg-type]
            tick_seconds=float(env.get("CASEWATCH_TICK_SECONDS", base.tick_seconds)),
            metrics_seconds=float(env.get("CASEWATCH_METRICS_SECONDS", base.metrics_seconds)),
            web_port=int(env.get("CASEWATCH_WEB_PORT", base.web_port)),
            web_host=env.get("CASEWATCH_WEB_HOST", base.web_host),
            session_timeout=float(env.get("CASEWATCH_SESSION_TIMEOUT", base.session_timeout)),
            security_protocol=env.get("CASEWATCH_SECURITY_PROTOCOL", base.security_protocol),
        )
