"""One scenario, run through a real broker or its test broker, recorded as plain data.

Every message is published with its case label as correlation id, so handler
calls, settlements and log lines are keyed by label whatever order they come
in. Only public API is used: the brokers' decorators, ``Context``, ``Header``,
``BackgroundTasks``, a consume ``Middleware``, ``StreamMessage.settled``.
Importable as ``parity_scenario`` (pytest puts this folder on the path).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Annotated, Any

from fastapi import BackgroundTasks
from parity_adapters import Adapter
from pydantic import BaseModel

from faststream_fastapi import AckPolicy, Context, Header, Response, StreamMessage
from faststream_fastapi.core import Middleware
from support import until

Msg = Annotated[StreamMessage, Context("message")]


class Order(BaseModel):
    id: int
    qty: int


ORDER = Order(id=1, qty=2)
OTHER = Order(id=2, qty=3)
INVALID = {"id": "not a number"}

#: label -> (subscriber case, body, headers). The label is also the correlation id.
MESSAGES: dict[str, tuple[str, Any, dict[str, str] | None]] = {
    "model": ("model", ORDER, None),
    "model.invalid": ("model", INVALID, None),
    "checked.invalid": ("checked", INVALID, None),
    "checked.valid": ("checked", ORDER, None),
    "fails.default": ("fails", ORDER, None),
    "fails.nack_on_error": ("fails_nack", ORDER, None),
    "fails.ack": ("fails_ack", ORDER, None),
    "fails.ack_first": ("fails_ack_first", ORDER, None),
    "manual.ack": ("manual", ORDER, None),
    "manual.reject": ("manual", OTHER, None),
    "publish": ("source", ORDER, None),
    "extras": ("extras", ORDER, {"X-Trace": "trace-1"}),
}
#: Messages no handler or middleware sees: only their log line is observable,
#: not their settlement (``checked.invalid`` shows that, through a middleware,
#: which also takes the subscriber off the real transports' straight-line path).
UNSEEN = frozenset({"model.invalid"})
#: The message the ``source`` handler's return value becomes, as the sink sees it.
SINK = "publish>sink"
#: The header mapping the ``extras`` handler sees (``message.headers``).
HEADERS = "extras>headers"
#: Every destination the scenario subscribes to.
CASES = (*dict.fromkeys(case for case, _, _ in MESSAGES.values()), "sink", "reply")
REPLY = "reply"


class Recorder:
    """What one run observed: per label, the first delivery and the handler's arguments."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.messages: dict[str, StreamMessage] = {}
        self.calls: dict[str, list[Any]] = {}
        #: How a message was settled when its handler was called, if at all.
        self.early: dict[str, Any] = {}
        self.tasks: dict[str, Any] = {}
        self.logs: dict[str, list[tuple[str, str]]] = {}
        self.answers: dict[str, Any] = {}
        self.headers: dict[str, str] | None = None
        #: Test path only: what ``publish`` raised, per label.
        self.raised: dict[str, str] = {}

    def arrived(self, message: StreamMessage, label: str | None = None) -> bool:
        """Note a delivery; True for the first one of its label (a nack redelivers
        on some real brokers, never in memory: later deliveries are not compared)."""
        label = label or message.correlation_id or "?"
        if self.messages.setdefault(label, message) is not message:
            return False
        self.calls.setdefault(label, [])
        return True

    def call(self, message: StreamMessage, *args: Any, label: str | None = None) -> bool:
        """A handler ran: note its arguments if this is the label's first delivery."""
        label = label or message.correlation_id or "?"
        if self.messages.get(label) is not message and not self.arrived(message, label):
            return False
        self.calls[label].append(args)
        if message.settled is not None:
            self.early[label] = message.settled
        return True

    def complete(self, labels: list[str]) -> bool:
        for label in labels:
            if label == HEADERS:
                continue
            if label in UNSEEN:
                if label not in self.logs:
                    return False
            elif label not in self.messages or self.messages[label].settled is None:
                return False
        return "extras" in self.tasks

    def outcome(self, labels: list[str]) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for label in labels:
            if label == HEADERS:
                result[label] = {"headers": self.headers}
                continue
            message = self.messages.get(label)
            entry: dict[str, Any] = {
                "calls": self.calls.get(label, []),
                "settled": message.settled if message is not None else "unobserved",
                "logs": self.logs.get(label, []),
            }
            if label in self.early:
                entry["settled before handler"] = self.early[label]
            if label in self.tasks:
                entry["task saw settled"] = self.tasks[label]
            if label in self.answers:
                entry["answer"] = self.answers[label]
            result[label] = entry
        return result


class LogTap(logging.Handler):
    """Files the library's warnings and errors under the message's correlation id."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(logging.WARNING)
        self.recorder = recorder

    def emit(self, record: logging.LogRecord) -> None:
        label = getattr(record, "correlation_id", None) or "-"
        text = record.getMessage().replace(self.recorder.run, "{run}")
        self.recorder.logs.setdefault(label, []).append((record.levelname, text))


class Arrivals(Middleware):
    """Notes each message on arrival: the only view of one its handler never gets."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    async def consume(self, message: StreamMessage, call_next: Any) -> Any:
        self.recorder.arrived(message)
        return await call_next(message)


def labels_for(adapter: Adapter) -> list[str]:
    """Every label of the scenario's outcome on ``adapter``'s broker."""
    labels = [*MESSAGES, SINK, HEADERS]
    return [*labels, REPLY] if adapter.request else labels


def build(adapter: Adapter, run: str, rec: Recorder) -> Any:
    """The app under test: one broker with one subscriber per case."""
    broker = adapter.make()

    def sub(case: str, **options: Any) -> Any:
        args, kwargs = adapter.sub(run, case)
        return broker.subscriber(*args, **kwargs, **options)

    def dump(order: Order) -> tuple[str, dict[str, Any]]:
        return type(order).__name__, order.model_dump()

    @sub("model")
    async def model(order: Order, message: Msg) -> None:
        rec.call(message, dump(order))

    @sub("checked", middlewares=[Arrivals(rec)])
    async def checked(order: Order, message: Msg) -> None:
        rec.call(message, dump(order))

    def failing(case: str, policy: AckPolicy | None) -> None:
        options = {"ack_policy": policy} if policy is not None else {}

        @sub(case, **options)
        async def fails(order: Order, message: Msg) -> None:
            # Fails on the first delivery only: a redelivered nack then ends.
            if rec.call(message, dump(order)):
                raise RuntimeError("handler failed")

    failing("fails", None)
    failing("fails_nack", AckPolicy.NACK_ON_ERROR)
    failing("fails_ack", AckPolicy.ACK)
    failing("fails_ack_first", AckPolicy.ACK_FIRST)

    @sub("manual", ack_policy=AckPolicy.MANUAL)
    async def manual(order: Order, message: Msg) -> None:
        rec.call(message, dump(order))
        if order.id == ORDER.id:
            await message.ack()
        else:
            await message.reject()

    sink_args, sink_kwargs = adapter.to(run, "sink")

    @sub("source")
    @broker.publisher(*sink_args, **sink_kwargs)
    async def source(order: Order, message: Msg) -> dict[str, int]:
        rec.call(message, dump(order))
        return {"echo": order.id}

    @sub("sink")
    async def sink(body: dict[str, int], message: Msg) -> None:
        rec.call(message, body, message.correlation_id, message.content_type, label=SINK)

    @sub("reply")
    async def reply(order: Order, message: Msg) -> Response:
        rec.call(message, dump(order))
        return Response({"answer": order.id * 10}, headers={"x-answered-by": "reply"})

    @sub("extras")
    async def extras(
        order: Order, tasks: BackgroundTasks, message: Msg, x_trace: str = Header()
    ) -> None:
        rec.call(message, dump(order), x_trace)
        rec.headers = {k: _normal(k, v, run) for k, v in message.headers.items()}
        tasks.add_task(after, message)

    async def after(message: StreamMessage) -> None:
        rec.tasks[message.correlation_id or "?"] = message.settled

    return broker


def _normal(key: str, value: str, run: str) -> str:
    """A header's value with the run's name, or a generated id, as a placeholder."""
    return "{id}" if key == "nats-msg-id" else value.replace(run, "{run}")


async def drive(adapter: Adapter, broker: Any, run: str, rec: Recorder, *, real: bool) -> None:
    """Publish every message (and the request), then wait until each is settled."""
    for label, (case, body, headers) in MESSAGES.items():
        args, kwargs = adapter.to(run, case)
        try:
            await broker.publish(body, *args, headers=headers, correlation_id=label, **kwargs)
        except Exception as exc:
            if real:
                raise
            rec.raised[label] = type(exc).__name__
    if adapter.request:
        args, kwargs = adapter.to(run, "reply")
        answer = await broker.request(
            ORDER, *args, correlation_id=REPLY, timeout=adapter.wait, **kwargs
        )
        rec.answers[REPLY] = (
            answer.decoded(),
            answer.correlation_id,
            answer.content_type,
            answer.headers.get("x-answered-by"),
        )
    labels = labels_for(adapter)
    # Not in time: the outcome says which labels were never settled.
    with contextlib.suppress(AssertionError):
        await until(lambda: rec.complete(labels), adapter.wait if real else 5.0, "")


async def run(adapter: Adapter, *, real: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario's outcome per label, and (test path) what ``publish`` raised."""
    name = f"parity-{uuid.uuid4().hex[:10]}"
    rec = Recorder(name)
    broker = build(adapter, name, rec)
    tap = LogTap(rec)
    logger = logging.getLogger("faststream_fastapi")
    logger.addHandler(tap)
    try:
        if real:
            await adapter.prepare(name, CASES)
            async with broker:
                await broker.start()
                await drive(adapter, broker, name, rec, real=True)
        else:
            async with adapter.testing(broker) as tested:
                await drive(adapter, tested, name, rec, real=False)
    finally:
        logger.removeHandler(tap)
        if real:
            await adapter.cleanup(name, CASES)
    return rec.outcome(labels_for(adapter)), rec.raised
