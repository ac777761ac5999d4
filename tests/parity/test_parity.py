"""The real-broker path and the test-broker path agree, message by message.

One scenario (``parity_scenario``) runs once per broker and path; each test
compares one message's outcome — the handler's arguments, the settlement, the
library's log lines, the background task's view, the reply, the headers the
handler sees — between the real server and ``Test<B>Broker``, and against the
expected value, so both paths cannot be wrong the same way.

Differences on purpose, not compared: under a test broker a handler's failure
raises out of ``publish()`` (after settling; ``test_test_broker_path`` checks
what it raises), and a nacked message is not delivered again (only the first
delivery of each message is recorded, on both paths).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from parity_adapters import ADAPTERS, Adapter
from parity_scenario import HEADERS, REPLY, SINK, labels_for, run

ORDER = ("Order", {"id": 1, "qty": 2})
OTHER = ("Order", {"id": 2, "qty": 3})
JSON = "application/json"


def _failed(case: str, error: str = "RuntimeError") -> list[tuple[str, str]]:
    return [("ERROR", f"{case}: raised {error}")]


#: label -> (handler calls, settlement, log lines in brief) on every broker.
EXPECTED: dict[str, dict[str, Any]] = {
    "model": {"calls": [(ORDER,)], "settled": "ack", "logs": []},
    "model.invalid": {
        "calls": [],
        "settled": "unobserved",
        "logs": [("ERROR", "model: rejected a message")],
    },
    "checked.invalid": {
        "calls": [],
        "settled": "reject",
        "logs": [("ERROR", "checked: rejected a message")],
    },
    "checked.valid": {"calls": [(ORDER,)], "settled": "ack", "logs": []},
    "fails.default": {"calls": [(ORDER,)], "settled": "reject", "logs": _failed("fails")},
    "fails.nack_on_error": {
        "calls": [(ORDER,)],
        "settled": "nack",
        "logs": _failed("fails_nack"),
    },
    "fails.ack": {"calls": [(ORDER,)], "settled": "ack", "logs": _failed("fails_ack")},
    "fails.ack_first": {
        "calls": [(ORDER,)],
        "settled": "ack",
        "settled before handler": "ack",
        "logs": _failed("fails_ack_first"),
    },
    "manual.ack": {"calls": [(ORDER,)], "settled": "ack", "logs": []},
    "manual.reject": {"calls": [(OTHER,)], "settled": "reject", "logs": []},
    "publish": {"calls": [(ORDER,)], "settled": "ack", "logs": []},
    SINK: {"calls": [({"echo": 1}, "publish", JSON)], "settled": "ack", "logs": []},
    "extras": {
        "calls": [(ORDER, "trace-1")],
        "settled": "ack",
        "logs": [],
        # the task ran after settlement, and saw it
        "task saw settled": "ack",
    },
    # What the handler sees as ``message.headers`` (``Header()`` parameters read it);
    # plus ``CARRIED`` on some brokers.
    HEADERS: {"headers": {"x-trace": "trace-1", "content-type": JSON}},
    REPLY: {
        "calls": [(ORDER,)],
        "settled": "ack",
        "logs": [],
        "answer": ({"answer": 10}, REPLY, JSON, "reply"),
    },
}

#: Headers a handler also sees on both paths of a broker, as its wire carries them:
#: Kafka, Redis and NATS messages have no correlation-id field, so it travels as a
#: header; nats-py adds the stream a JetStream publish expects, and every JetStream
#: publish has a de-duplication id (``Nats-Msg-Id``, generated).
_CORRELATION = {"correlation_id": "extras"}
CARRIED: dict[str, dict[str, str]] = {
    "kafka": _CORRELATION,
    "confluent": _CORRELATION,
    "redis-channel": _CORRELATION,
    "redis-list": _CORRELATION,
    "redis-stream": _CORRELATION,
    "nats-core": _CORRELATION,
    "nats-jetstream": {**_CORRELATION, "nats-expected-stream": "{run}", "nats-msg-id": "{id}"},
}
#: Headers a broker carries elsewhere: AMQP has a content-type property.
MOVED: dict[str, set[str]] = {"rabbit": {"content-type"}}


def expected(adapter: Adapter, label: str) -> dict[str, Any]:
    if label == HEADERS:
        moved = MOVED.get(adapter.id, set())
        headers = {k: v for k, v in EXPECTED[label]["headers"].items() if k not in moved}
        return {"headers": {**headers, **CARRIED.get(adapter.id, {})}}
    return EXPECTED[label]


#: What ``publish()`` raises under a test broker (after settling), per label.
RAISED = {
    "model.invalid": "MessageValidationError",
    "checked.invalid": "MessageValidationError",
    "fails.default": "RuntimeError",
    "fails.nack_on_error": "RuntimeError",
    "fails.ack": "RuntimeError",
    "fails.ack_first": "RuntimeError",
}

#: A log line in brief: the subscriber's case, then what happened to the message.
_LOG = re.compile(
    r"^\{run\}\.(?P<case>\w+): "
    r"(?:(?P<rejected>rejected a message)|handler .* (?P<raised>raised \w+))"
)


def _brief(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` with its log lines cut to ``case: what happened`` (no handler name, no detail)."""
    if "logs" not in entry:
        return entry
    logs = []
    for level, text in entry["logs"]:
        match = _LOG.match(text)
        what = (match["rejected"] or match["raised"]) if match else None
        logs.append((level, f"{match['case']}: {what}" if match else text))
    return {**entry, "logs": logs}


_OUTCOMES: dict[tuple[str, bool], Any] = {}


async def outcome(adapter: Adapter, *, real: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario's outcome on one path, run once per module and shared by its tests."""
    key = (adapter.id, real)
    if key not in _OUTCOMES:
        try:
            _OUTCOMES[key] = await run(adapter, real=real)
        except Exception as exc:
            _OUTCOMES[key] = exc
    result = _OUTCOMES[key]
    if isinstance(result, Exception):
        raise result
    return result  # type: ignore[no-any-return]


def _cases(*, real: bool) -> list[Any]:
    params = []
    for adapter in ADAPTERS:
        for label in labels_for(adapter):
            marks: list[Any] = [getattr(pytest.mark, adapter.marker)] if real else []
            params.append(pytest.param(adapter, label, marks=marks, id=f"{adapter.id}-{label}"))
    return params


@pytest.mark.parametrize(("adapter", "label"), _cases(real=False))
async def test_test_broker_path(adapter: Adapter, label: str) -> None:
    got, raised = await outcome(adapter, real=False)
    assert _brief(got[label]) == expected(adapter, label)
    assert raised.get(label) == RAISED.get(label)


@pytest.mark.parametrize(("adapter", "label"), _cases(real=True))
async def test_real_broker_path_matches(adapter: Adapter, label: str) -> None:
    real, _ = await outcome(adapter, real=True)
    test, _ = await outcome(adapter, real=False)
    assert real[label] == test[label]
    assert _brief(real[label]) == expected(adapter, label)
