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
