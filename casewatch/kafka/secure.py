"""The local broker, secured as SPEC §11 asks: TLS, SCRAM users, ACLs, client settings files.

On first start it makes, under the broker's home:
- `tls/ca.pem` (a CA made here, for this broker only) and `tls/broker.pem` (the broker's key
  and certificate for 127.0.0.1 and localhost, signed by that CA);
- a random password per principal, in `clients/<principal>.password` (mode 0600), and the
  broker's own inter-broker password in `secrets/broker.password`;
- `clients/<principal>.env`: the §11 variables for that principal, naming the password file.
Passwords reach the Kafka storage tool through a Java argument file, never a command line.
"""

import datetime as dt
import ipaddress
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from casewatch.kafka.settings import Settings

BROKER_USER = "broker"  # the broker's own principal, for its controller and inter-broker links
MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class SecureMaterial:
    home: Path
    bootstrap: str

    @property
    def ca(self) -> Path:
        return self.home / "tls" / "ca.pem"

    @property
    def keystore(self) -> Path:
        return self.home / "tls" / "broker.pem"

    @property
    def clients(self) -> Path:
        return self.home / "clients"

    def password_file(self, principal: str) -> Path:
        if principal == BROKER_USER:
            return self.home / "secrets" / "broker.password"
        return self.clients / f"{principal}.password"

    def env_file(self, principal: str) -> Path:
        return self.clients / f"{principal}.env"

    def password(self, principal: str) -> str:
        return self.password_file(principal).read_text().strip()

    def ensure(self, principals: Iterable[str]) -> None:
        """Make what is missing: certificates, passwords, settings files. Idempotent."""
        if not (self.ca.exists() and self.keystore.exists()):
            _make_certificates(self.ca, self.keystore)
        for principal in [BROKER_USER, *principals]:
            secret = self.password_file(principal)
            if not secret.exists():
                _write_private(secret, secrets.token_urlsafe(32) + "\n")
            if principal != BROKER_USER:
                self.env_file(principal).write_text("".join(
                    f"{name}={value}\n" for name, value in self.variables(principal).items()))
        _write_private(self.broker_jaas, (
            "jaas=org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{BROKER_USER}" password="{self.password(BROKER_USER)}";\n'))

    def variables(self, principal: str) -> dict[str, str]:
        """The SPEC §11 variables a client acting as `principal` connects with."""
        return {
            "CASEWATCH_BOOTSTRAP_SERVERS": self.bootstrap,
            "CASEWATCH_SECURITY_PROTOCOL": "SASL_SSL",
            "CASEWATCH_SASL_MECHANISM": MECHANISM,
            "CASEWATCH_SASL_USERNAME": principal,
            "CASEWATCH_SASL_PASSWORD_FILE": str(self.password_file(principal).resolve()),
            "CASEWATCH_SSL_CAFILE": str(self.ca.resolve()),
        }

    def settings(self, principal: str, base: Settings | None = None) -> Settings:
        """`base` (default settings otherwise) connecting as `principal`: what a client reads
        from the environment with that principal's settings file sourced."""
        return Settings.from_env({**(base or Settings()).environment(),
                                  **self.variables(principal)})

    def scram_arguments(self, principals: Iterable[str]) -> list[str]:
        """The storage tool's --add-scram arguments: secret, so only ever in an argument file."""
        arguments: list[str] = []
        for principal in [BROKER_USER, *principals]:
            arguments += ["--add-scram",
                          f"{MECHANISM}=[name={principal},password={self.password(principal)}]"]
        return arguments

    @property
    def broker_jaas(self) -> Path:
        """The broker's own login, read by Kafka's FileConfigProvider: no secret in its config."""
        return self.home / "secrets" / "broker-jaas.properties"

    def broker_properties(self, port: int, controller_port: int) -> list[str]:
        """server.properties lines for a SASL_SSL listener, SCRAM everywhere, deny by default.

        The controller listener uses SCRAM too: with PLAINTEXT there the broker's own
        registration would come from User:ANONYMOUS, which the authorizer refuses.
        """
        jaas = f"${{file:{self.broker_jaas.resolve()}:jaas}}"
        return [
            "config.providers=file",
            "config.providers.file.class="
            "org.apache.kafka.common.config.provider.FileConfigProvider",
            f"listeners=SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=SASL_SSL://127.0.0.1:{port}",
            "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT",
            "inter.broker.listener.name=SASL_SSL",
            f"sasl.enabled.mechanisms={MECHANISM}",
            f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
            f"sasl.mechanism.controller.protocol={MECHANISM}",
            f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={jaas}",
            f"listener.name.controller.scram-sha-512.sasl.jaas.config={jaas}",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={self.keystore.resolve()}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={self.ca.resolve()}",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            f"super.users=User:{BROKER_USER};User:casewatch-admin",
            "allow.everyone.if.no.acl.found=false",
        ]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def _make_certificates(ca_path: Path, keystore: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "casewatch local CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=825))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(
              digital_signature=False, content_commitment=False, key_encipherment=False,
              data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
              encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=825))
            # Loopback for the local broker; `kafka` is its host name in docker-compose.yml.
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"),
                x509.DNSName("kafka")]), critical=False)
            # The broker dials itself over this listener too, so it is a TLS client as well.
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca_path.write_bytes(ca.public_bytes(pem))
    # Kafka's PEM keystore: an unencrypted PKCS#8 key, then the certificate chain.
    _write_private(keystore, (
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(pem) + ca.public_bytes(pem)).decode())


def apply_initial_acls(material: SecureMaterial, regions: Iterable[str],
                       timeout: float = 60.0) -> int:
    """Grant the SPEC §11 ACLs as casewatch-admin once the broker takes logins; return created."""
    from kafka.errors import KafkaError

    from casewatch.errors import CommandError
    from casewatch.kafka import acl

    admin = material.settings(acl.ADMIN)
    deadline = time.monotonic() + timeout
    while True:
        try:
            created, _ = acl.apply(admin, acl.grants(admin, regions))
            return created
        except (KafkaError, CommandError):
            # A broker that just started answers TCP before its authorizer has the SCRAM users.
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)
