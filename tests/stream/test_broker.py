from pathlib import Path

import pytest

from workers.stream.broker import Broker, cluster_id


def test_cluster_ids_never_look_like_options() -> None:
    # One random id in 64 would start with '-'; a thousand draws make a regression certain.
    for _ in range(1000):
        value = cluster_id()
        assert len(value) == 22 and not value.startswith("-")


def test_the_session_broker_answers(kafka: Broker) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    try:
        assert isinstance(admin.list_topics(), list)
    finally:
        admin.close()
    assert kafka.running()


def test_credentials_are_made_without_a_broker_and_kept(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from workers.cli import main

    home = tmp_path / "secure"
    assert main(["broker", "credentials", "--home", str(home)]) == 2
    assert "add --secure" in capsys.readouterr().err
    assert main(["broker", "credentials", "--secure", "--home", str(home)]) == 0
    password = (home / "clients" / "region-wales.password").read_text()
    keystore = (home / "tls" / "broker.pem").read_bytes()
    assert main(["broker", "credentials", "--secure", "--home", str(home)]) == 0
    assert (home / "clients" / "region-wales.password").read_text() == password  # kept
    assert (home / "tls" / "broker.pem").read_bytes() == keystore
    settings = (home / "clients" / "region-wales.env").read_text()
    assert "CASEWATCH_SASL_USERNAME=region-wales\n" in settings
    assert password.strip() not in settings
