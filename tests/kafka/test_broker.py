from pathlib import Path

import pytest

from casewatch.kafka.broker import Broker, cluster_id


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


def test_the_broker_s_files_are_this_user_s_alone(kafka: Broker) -> None:
    """Whoever reads a topic's log files needs no ACL: the broker's home, and what the broker
    wrote in it (its metadata log, its topics), are closed to the group and everyone else."""
    assert kafka.home.stat().st_mode & 0o777 == 0o700
    data = [path for path in (kafka.home / "data").rglob("*") if path.is_file()]
    assert any(path.name == "meta.properties" for path in data)
    assert any(path.suffix == ".log" for path in data)
    opened = [path for path in data if path.stat().st_mode & 0o077]
    assert not opened, [f"{path} {path.stat().st_mode & 0o777:o}" for path in opened]


def test_credentials_are_made_without_a_broker_and_kept(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from casewatch.cli.main import main

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
