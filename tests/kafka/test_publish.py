"""Publishing: every line goes out as read, keyed by its CRN where it can be read."""

from casewatch.kafka.publish import crn_of


def test_the_publisher_keys_any_line_it_can_read_and_survives_the_rest() -> None:
    assert crn_of(b'{"crn": "A123456", "x": 1}') == b"A123456"
    for line in (b"[" * 100_000, b'{"crn": ' + b"[" * 50_000, b"\xff\xfe", b"{}", b'{"crn": 7}'):
        assert crn_of(line) is None
