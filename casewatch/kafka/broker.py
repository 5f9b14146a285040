"""A single-node Apache Kafka broker (KRaft) on loopback, for development, tests, CI and the demo.

The broker jars come from Maven Central through Maven (deploy/kafka/pom.xml pins the version)
into a cache directory; nothing is downloaded from anywhere else. Settings are those fit for one
node: replication factor 1 for internal topics, no initial rebalance delay, loopback only.
"""

import base64
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from casewatch.private import OWNER_ONLY, close

if TYPE_CHECKING:
    from casewatch.kafka.secure import SecureMaterial

PROJECT = Path(__file__).resolve().parents[2]
POM = PROJECT / "deploy" / "kafka" / "pom.xml"
LOG_CONFIG = PROJECT / "deploy" / "kafka" / "log4j2.properties"
DEFAULT_HOME = PROJECT / ".kafka" / "broker"
SECURE_HOME = PROJECT / ".kafka" / "secure"
DEFAULT_LIBS = PROJECT / ".kafka" / "libs"


class BrokerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Broker:
    home: Path = DEFAULT_HOME
    port: int = 9092
    controller_port: int = 9093
    libs: Path = DEFAULT_LIBS
    heap: str = "512m"
    # SASL_SSL with SCRAM, TLS and deny-by-default ACLs (SPEC §11; secure.py); else PLAINTEXT.
    secure: bool = False
    regions: tuple[str, ...] = ()  # with `secure`: the regions whose principals to create

    @property
    def material(self) -> "SecureMaterial":
        from casewatch.kafka.secure import SecureMaterial

        return SecureMaterial(self.home, self.bootstrap)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker unless it is running; return once it accepts connections."""
        if self.running():
            return
        java = require_java()
        fetch_jars(self.libs)
        # Its topics' logs hold case events, and whoever reads the files needs no ACL: the
        # broker's files are this user's alone, as the worker's table is (private.py).
        close(self.home)
        (self.home / "logs").mkdir(exist_ok=True)
        secret: list[str] = []
        if self.secure:
            from casewatch.kafka.acl import principals

            self.material.ensure(principals(self.regions))
            secret = self.material.scram_arguments(principals(self.regions))
        config = self._write_config()
        if not (self.home / "data" / "meta.properties").exists():
            self._java(java, "kafka.tools.StorageTool", "format", "-t", cluster_id(),
                       "-c", str(config), *secret)
        log = (self.home / "logs" / "console.log").open("ab")
        process = subprocess.Popen(
            self._command(java, "kafka.Kafka", str(config)),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the shell that started it, until `stop`
            umask=OWNER_ONLY,
        )
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(f"broker exited with {process.returncode}; see "
                                  f"{self.home / 'logs'}")
            if _answers(self.port):
                return
            time.sleep(0.25)
        self.stop()
        raise BrokerError(f"broker did not answer on {self.bootstrap} within {timeout:.0f}s")

    def stop(self, timeout: float = 30.0) -> None:
        pid = self._pid()
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGTERM)  # a clean shutdown flushes the log
        except ProcessLookupError:
            self.pid_file.unlink(missing_ok=True)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def running(self) -> bool:
        pid = self._pid()
        return pid is not None and _alive(pid) and _answers(self.port)

    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None

    def _write_config(self) -> Path:
        config = self.home / "server.properties"
        listeners = self.material.broker_properties(self.port, self.controller_port) if (
            self.secure) else [
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
            f"CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
        ]
        # No secret in it (the secure broker's login is in a file beside it), but it says
        # where they are: readable by its owner only.
        config.touch(mode=0o600)
        config.chmod(0o600)
        config.write_text(
            "\n".join([
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                "controller.listener.names=CONTROLLER",
                *listeners,
                f"log.dirs={self.home / 'data'}",
                "num.partitions=1",
                # One node: internal topics cannot have more replicas than brokers.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "log.retention.hours=168",
                "log.cleaner.backoff.ms=1000",
                "",
            ])
        )
        return config

    def _command(self, java: str, main: str, *args: str) -> list[str]:
        return [
            java, f"-Xmx{self.heap}", f"-Xms{self.heap}", "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG_CONFIG}",
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            "-cp", f"{self.libs}/*", main, *args,
        ]

    def _java(self, java: str, main: str, *args: str) -> None:
        """Run a Kafka tool. Its arguments go in a Java argument file (mode 0600, removed
        after), so secrets among them never appear on a command line or in `ps`."""
        command = self._command(java, main, *args)
        argfile = self.home / f".{main}.args"
        descriptor = os.open(argfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write("\n".join(_quoted(arg) for arg in command[1:]) + "\n")
        try:
            result = subprocess.run([command[0], f"@{argfile}"], capture_output=True, text=True,
                                    check=False, umask=OWNER_ONLY)
        finally:
            argfile.unlink(missing_ok=True)
        if result.returncode != 0:
            output = result.stderr.strip() or result.stdout.strip()
            raise BrokerError(f"{main} failed: {output.splitlines()[-1] if output else '?'}")


def _quoted(argument: str) -> str:
    """One argument as a Java argument file line: quoted, with \\ and " escaped."""
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cluster_id() -> str:
    """A random KRaft cluster id: 16 bytes, URL-safe base64, not starting with '-' (which the
    storage tool's argument parser would take for an option)."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise BrokerError("Java 17 or later is needed to run the Kafka broker; none found")
    version = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    text = version.stderr + version.stdout
    try:
        major = int(text.split('"')[1].split(".")[0])
    except (IndexError, ValueError):
        raise BrokerError(f"cannot tell the Java version from: {text.strip()}") from None
    if major < 17:
        raise BrokerError(f"Kafka 4 needs Java 17 or later; found Java {major}")
    return java


def fetch_jars(libs: Path, pom: Path = POM, what: str = "Kafka broker") -> None:
    """Copy the jars `pom` pins (the broker's, by default) and their runtime dependencies from
    Maven Central into `libs`, once for each version of the pom."""
    stamp = libs / ".pom-sha"
    digest = _digest(pom)
    if stamp.exists() and stamp.read_text() == digest:
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(f"Maven (mvn) is needed to fetch the {what} jars; none found")
    if libs.exists():
        shutil.rmtree(libs)
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
         f"-DoutputDirectory={libs}", "-DincludeScope=runtime"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BrokerError(f"fetching {what} jars failed: {result.stdout[-2000:]}"
                          f"{result.stderr[-2000:]}")
    stamp.write_text(digest)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
