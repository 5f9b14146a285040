"""How every casewatch Kafka client connects (SPEC §11): one reading of the settings for all.

kafka-python (admin, publish, clock, follow, lag), faust (the worker, through aiokafka) and the
notifier take their protocol, SASL and TLS settings from here, so no client can be left on
PLAINTEXT by accident. The password comes from the file CASEWATCH_SASL_PASSWORD_FILE names, read
when a client is made; it is never in the environment, on a command line, in a repr or a log.
"""

import logging
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casewatch.errors import CommandError
from casewatch.kafka.settings import Settings


def password(settings: Settings) -> str:
    """The SASL password, from its file: one line; a trailing newline is not part of it."""
    path = Path(settings.sasl_password_file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8"
        raise CommandError(f"cannot read the SASL password file {path}: {reason}") from None
    secret = text.rstrip("\r\n")
    if not secret:
        raise CommandError(f"the SASL password file {path} is empty")
    return secret


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """A verifying TLS context for SSL and SASL_SSL: the CA file if given, else the system's."""
    if settings.security_protocol not in ("SSL", "SASL_SSL"):
        return None
    try:
        context = ssl.create_default_context(cafile=settings.ssl_cafile or None)
        if settings.ssl_certfile:
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile)
    except (OSError, ssl.SSLError) as error:
        raise CommandError(f"cannot load the TLS files: {error}") from None
    return context


def kafka_python(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for any kafka-python client (KafkaAdminClient, producer, consumer)."""
    protocol = settings.security_protocol
    config: dict[str, Any] = {"bootstrap_servers": settings.bootstrap_servers,
                              "security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        config["ssl_context"] = ssl_context(settings)
    if protocol.startswith("SASL_"):
        config.update(sasl_mechanism=settings.sasl_mechanism,
                      sasl_plain_username=settings.sasl_username,
                      sasl_plain_password=password(settings))
    return config


def faust_credentials(settings: Settings) -> Any:
    """faust's broker_credentials: SASL (over TLS for SASL_SSL), TLS alone, or None."""
    import faust

    protocol = settings.security_protocol
    context = ssl_context(settings)
    if protocol.startswith("SASL_"):
        return faust.SASLCredentials(username=settings.sasl_username, password=password(settings),
                                     mechanism=settings.sasl_mechanism, ssl_context=context)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    return None


class RefusalLog(logging.Handler):
    """Remembers why the broker refused this client, from kafka-python's own log.

    kafka-python retries a refused login until its bootstrap times out, then says only "Unable
    to bootstrap"; the reason (bad credentials, an untrusted certificate) is only logged. The
    remembered reason is the error's own text: it names the mechanism, never a secret.
    """

    REASONS = re.compile(r"(?:SaslAuthenticationFailedError: )+([^()\[\]]+?)(?:\)|$)"
                         r"|(CERTIFICATE_VERIFY_FAILED[^()\[\]]*)")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.reason: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        found = self.REASONS.search(record.getMessage())
        if found:
            self.reason = (found.group(1) or found.group(2)).strip()

    @classmethod
    @contextmanager
    def listening(cls) -> Iterator["RefusalLog"]:
        handler = cls()
        library = logging.getLogger("kafka")
        library.addHandler(handler)
        try:
            yield handler
        finally:
            library.removeHandler(handler)
