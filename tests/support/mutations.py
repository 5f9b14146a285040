"""Bad input, made on purpose: valid case events mutated the ways real producers go wrong.

Used by the decoder's property test and by `bench/fuzz_decoder.py` (100,000 inputs), so both
exercise the same faults: truncated JSON, wrong types, huge strings, deep nesting, invalid
UTF-8, megabyte messages, unknown enumeration values, missing and extra fields, free text.
"""

import json
import random
from collections.abc import Callable
from typing import Any

FREE_TEXT = "Jane Smith, 14 Acacia Avenue, Darlington"  # never to be echoed anywhere


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _set(copy[path[0]], path[1:], new)
    return copy


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        copy = dict(value) if isinstance(value, dict) else list(value)
        del copy[path[0]]
        return copy
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _delete(copy[path[0]], path[1:])
    return copy


def _wrong_value(rng: random.Random) -> Any:
    return rng.choice([None, 0, -1, 2**70, 1.5, float("nan"), True, "", "x" * 10_000, [], {},
                       FREE_TEXT, "NOT_A_CODE", "2025-07-01T10:00:00", ["ADVP", 3], {"a": 1}])


def mutate(event: dict[str, Any], rng: random.Random) -> bytes:
    """One bad (or, by chance, still valid) message made from a valid event."""
    text = json.dumps(event)
    paths = _paths(event)
    operators: list[Callable[[], bytes]] = [
        lambda: text[:rng.randrange(len(text))].encode(),  # truncated
        lambda: json.dumps(_set(event, rng.choice(paths), _wrong_value(rng))).encode(),
        lambda: json.dumps(_delete(event, rng.choice(paths))).encode(),
        lambda: json.dumps({**event, "detail": {**event.get("detail", {}),
                                                "note": FREE_TEXT}}).encode(),
        lambda: json.dumps({**event, "eventType": rng.choice(
            ["contact.deleted", FREE_TEXT, "", "CASE.ALLOCATED", "case.allocated.v2"])}).encode(),
        lambda: (text[:-1] + ',"deep":' + "[" * rng.randint(50, 5000)
                 + "]" * rng.randint(0, 5000) + "}").encode(),
        lambda: text.encode()[:rng.randrange(len(text))] + bytes([rng.choice([0x80, 0xC3, 0xFF,
                                                                             0xED])])
        + text.encode()[rng.randrange(len(text)):],  # invalid UTF-8
        lambda: json.dumps({**event, "padding": "p" * 1_000_000}).encode(),  # a 1 MB message
        lambda: json.dumps({**event, "version": rng.choice([2, "1", 1.0, FREE_TEXT])}).encode(),
        lambda: json.dumps(rng.choice([[event], "event", 7, None])).encode(),
        lambda: b"",
    ]
    return rng.choice(operators)()
