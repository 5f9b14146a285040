import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casewatch.schemas.codes import ContactOutcome
from casewatch.schemas.events import WITHHELD, CaseClosed, ContactRecorded, case_event_adapter
from casewatch.schemas.generate import SCHEMAS, render
from casewatch.schemas.parse import Rejection, parse_event
from tests.support.builders import allocated, at, contact, event
from tests.support.mutations import FREE_TEXT, mutate
from tests.support.strategies import caseload_history

GOOD = contact(at("2025-07-01"))


def reason_for(message: dict[str, Any] | str) -> str:
    raw = message if isinstance(message, str) else json.dumps(message)
    with pytest.raises(Rejection) as caught:
        parse_event(raw)
    return caught.value.reason


def test_a_valid_event_parses_with_defaults() -> None:
    parsed = parse_event(json.dumps(GOOD))
    assert isinstance(parsed, ContactRecorded)
    assert parsed.detail.outcome == ContactOutcome.ATTENDED
    assert parsed.detail.structuredIntervention is False
    assert parsed.occurredAt.utcoffset() is not None


def test_unknown_fields_are_ignored() -> None:
    message = {**GOOD, "producer": "ndelius", "detail": {**GOOD["detail"], "room": "2"}}
    assert isinstance(parse_event(json.dumps(message)), ContactRecorded)


def test_a_closure_s_reason_must_be_there_but_its_words_are_not_kept() -> None:
    """`case.closed.reason` is free text (SPEC §3): it may name people or places, so the parsed
    event, and what is written from it (the worker's table rows), holds none of it."""
    closing = event("case.closed", at("2025-07-03"), reason=f"Moved in with {FREE_TEXT}")
    parsed = parse_event(json.dumps(closing))
    assert isinstance(parsed, CaseClosed)
    assert parsed.detail.reason == WITHHELD
    for word in (w for w in FREE_TEXT.replace(",", "").split() if w.isalpha()):  # not "14"
        assert word.encode() not in case_event_adapter.dump_json(parsed), word
        assert word not in repr(parsed), word
    assert "missing field detail.reason" in reason_for({**closing, "detail": {}})
    assert "invalid field detail.reason" in reason_for({**closing, "detail": {"reason": 7}})


def test_registration_codes_are_open() -> None:
    parse_event(json.dumps(event("registration.added", at("2025-07-01"), code="NEWCODE")))


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "invalid event: not a JSON object"),
        ({**GOOD, "eventType": "contact.deleted"}, "unknown eventType 'contact.deleted'"),
        ({k: v for k, v in GOOD.items() if k != "eventType"}, "missing field eventType"),
        ({**GOOD, "version": 2}, "unsupported version 2"),
        ({**GOOD, "occurredAt": "2025-07-01T10:00:00"}, "timestamp without offset at occurredAt"),
        ({**GOOD, "occurredAt": "yesterday"}, "invalid field occurredAt"),
        ({**GOOD, "crn": "x12345"}, "bad CRN (expected one capital letter and six digits)"),
        ({**GOOD, "detail": {**GOOD["detail"], "outcome": "LATE"}}, "invalid field detail.outcome"),
        ({**GOOD, "detail": {"contactId": "c"}}, "missing field detail.type"),
        ({**GOOD, "eventId": ""}, "invalid field eventId"),
        ({**GOOD, "eventId": "e" * 129}, "invalid field eventId"),
        ({**GOOD, "detail": {**GOOD["detail"], "structuredIntervention": "yes"}},
         "invalid field detail.structuredIntervention"),
        (allocated(at("2025-07-01"), practitioner={"id": "p", "grade": "CEO"}),
         "invalid field detail.practitioner.grade"),
    ],
)
def test_bad_input_is_rejected_with_a_reason_naming_the_problem(
    message: dict[str, Any] | str, reason: str
) -> None:
    assert reason in reason_for(message)


def test_reasons_do_not_repeat_what_may_be_personal_data() -> None:
    reason = reason_for({**GOOD, "crn": "Jane Smith"})
    assert "Jane" not in reason
    long_type = reason_for({**GOOD, "eventType": "x" * 500})
    assert len(long_type) < 80


def test_the_rejection_keeps_the_event_id_when_there_is_one() -> None:
    with pytest.raises(Rejection) as caught:
        parse_event(json.dumps({**GOOD, "version": 3}))
    assert caught.value.event_id == GOOD["eventId"]


@given(history=caseload_history())
def test_events_round_trip_through_their_wire_form(history: list[dict[str, Any]]) -> None:
    for message in history:
        parsed = parse_event(json.dumps(message))
        again = case_event_adapter.validate_json(
            case_event_adapter.dump_json(parsed, exclude_none=True)
        )
        assert again == parsed


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_checked_in_json_schemas_are_current(name: str) -> None:
    from casewatch.schemas.generate import OUTPUT

    assert (OUTPUT / f"{name}.schema.json").read_text() == render(name), (
        "stale: run python -m casewatch.schemas.generate"
    )


@given(seed=st.integers(0, 2**32 - 1), history=caseload_history())
def test_the_decoder_takes_any_mutated_input_without_crashing(
    seed: int, history: list[dict[str, Any]]
) -> None:
    """Every message is an event or a one-line Rejection; nothing else escapes the decoder."""
    if not history:
        return
    rng = random.Random(seed)
    raw = mutate(rng.choice(history), rng)
    try:
        parse_event(raw)
    except Rejection as rejection:
        assert rejection.reason and "\n" not in rejection.reason
        assert len(rejection.reason) < 2000
        assert "Jane" not in rejection.reason and "Acacia" not in rejection.reason


@given(field=st.sampled_from(["eventType", "eventId", "crn", "version", "occurredAt",
                              "detail.type", "detail.outcome", "detail.contactId"]),
       name=st.from_regex(r"[A-Z][a-z]{3,9} [A-Z][a-z]{3,9}", fullmatch=True))
def test_no_reason_repeats_a_name_put_in_any_field(field: str, name: str) -> None:
    message = dict(GOOD)
    if field.startswith("detail."):
        message["detail"] = {**GOOD["detail"], field.removeprefix("detail."): name}
    else:
        message[field] = name
    try:
        parse_event(json.dumps(message))
    except Rejection as rejection:
        for word in name.split():
            assert word not in rejection.reason, (field, rejection.reason)
