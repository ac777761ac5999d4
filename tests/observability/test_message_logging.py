"""Per-message log lines and message context on records: stdlib config and structlog."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from pydantic import BaseModel

from faststream_fastapi import AckPolicy, Logger
from faststream_fastapi.nats import NatsBroker, TestNatsBroker
from faststream_fastapi.observability import MessageLogMiddleware
from faststream_fastapi.redis import RedisBroker, TestRedisBroker

FORMAT = "%(levelname)s [%(message_id)s %(correlation_id)s %(destination)s] %(message)s"


class Card(BaseModel):
    number: str


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """``dictConfig`` of an app: our logger and its own, through one filtered handler."""
    out = io.StringIO()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"message": {"()": "faststream_fastapi.observability.MessageContextFilter"}},
            "formatters": {"plain": {"format": FORMAT}},
            "handlers": {
                "out": {
                    "class": "logging.StreamHandler",
                    "stream": out,
                    "formatter": "plain",
                    "filters": ["message"],
                }
            },
            "loggers": {
                "obs.app": {"handlers": ["out"], "level": "INFO", "propagate": False},
                "obs.broker": {"handlers": ["out"], "level": "INFO", "propagate": False},
            },
        }
    )
    yield out
    for name in ("obs.app", "obs.broker"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.filters.clear()


async def test_one_line_per_message_with_ids_and_duration(stream: io.StringIO) -> None:
    broker = RedisBroker(
        middlewares=[MessageLogMiddleware()], logger=logging.getLogger("obs.broker")
    )

    @broker.subscriber("cards")
    async def charge(card: Card) -> None:
        if card.number == "0000":
            raise RuntimeError("declined")

    async with TestRedisBroker(broker) as br:
        await br.publish(Card(number="4111"), "cards", correlation_id="corr-1")
        with pytest.raises(RuntimeError):
            await br.publish(Card(number="0000"), "cards", correlation_id="corr-2")
        with pytest.raises(ValueError):
            await br.publish({"number": ["4999-secret"]}, "cards", correlation_id="corr-3")
        with pytest.raises(ValueError):  # broken JSON
            await br.publish(
                b'{"number": "5111-secret"',
                "cards",
                headers={"content-type": "application/json"},
                correlation_id="corr-4",
            )
    lines = stream.getvalue().splitlines()
    processed = [line for line in lines if " in " in line and " ms" in line]
    assert len(processed) == 4
    assert processed[0].startswith("INFO [")
    assert "corr-1 cards] cards: acked in " in processed[0]
    assert processed[1].startswith("WARNING [")
    assert "corr-2 cards] cards: rejected (RuntimeError) in " in processed[1]
    assert "corr-3 cards] cards: rejected (MessageValidationError) in " in processed[2]
    # Errors are logged (by the subscriber), once, never with the payload.
    assert any(line.endswith("charge raised RuntimeError") for line in lines)
    assert any("cards: rejected a message: " in line for line in lines)
    assert "corr-4 cards] cards: rejected (MessageNotJSONError) in " in processed[3]
    assert "4999-secret" not in stream.getvalue()
    assert "5111-secret" not in stream.getvalue()
    # Each line has the message id the broker assigned.
    ids = [line.split("[", 1)[1].split(" ", 1)[0] for line in processed]
    assert all(i not in ("", "None") for i in ids) and len(set(ids)) == 4


async def test_records_carry_duration_status_and_declared_name() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("obs.records")
    logger.addHandler(Keep())
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    broker = NatsBroker(
        middlewares=[MessageLogMiddleware(logger, level=logging.DEBUG)], logger=None
    )

    @broker.subscriber("orders.{id}", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(n: int) -> None: ...

    try:
        async with TestNatsBroker(broker) as br:
            await br.publish(1, "orders.9", correlation_id="c9")
    finally:
        logger.handlers.clear()
    (record,) = records
    assert record.levelno == logging.DEBUG
    fields: Any = record.__dict__
    assert fields["subscriber"] == "orders.{id}"
    assert fields["destination"] == "orders.9"
    assert fields["status"] == "acked"
    assert fields["correlation_id"] == "c9"
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0


async def test_a_cancelled_handler_is_logged_unsettled(stream: io.StringIO) -> None:
    import asyncio

    broker = RedisBroker(
        middlewares=[MessageLogMiddleware()], logger=logging.getLogger("obs.broker")
    )
    started = asyncio.Event()

    @broker.subscriber("stuck", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def stuck(n: int) -> None:
        started.set()
        await asyncio.Event().wait()

    async with TestRedisBroker(broker) as br:
        task = asyncio.create_task(br.publish(1, "stuck"))
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    (line,) = stream.getvalue().splitlines()
    # Not "nacked": a cancellation settles nothing, and is no failure of the handler.
    assert line.startswith("INFO ") and "stuck: unsettled in " in line


async def test_level_is_configurable_and_silent_when_disabled(stream: io.StringIO) -> None:
    broker = RedisBroker(
        middlewares=[MessageLogMiddleware(level=logging.DEBUG)],
        logger=logging.getLogger("obs.broker"),
    )

    @broker.subscriber("quiet")
    async def handle(n: int) -> None: ...

    async with TestRedisBroker(broker) as br:
        await br.publish(1, "quiet")
    assert stream.getvalue() == ""  # DEBUG lines under an INFO logger


async def test_user_log_calls_carry_message_context(stream: io.StringIO) -> None:
    broker = RedisBroker(logger=logging.getLogger("obs.broker"))
    own = logging.getLogger("obs.app")

    @broker.subscriber("work")
    async def work(n: int, logger: Logger) -> None:
        logger.info("via Logger %d", n)
        own.info("via own logger %d", n)

    async with TestRedisBroker(broker) as br:
        await br.publish(1, "work", correlation_id="corr-x")
    own.info("outside")
    lines = stream.getvalue().splitlines()
    via_logger, via_own, outside = lines
    assert via_logger.startswith("INFO [") and via_logger.endswith("corr-x work] via Logger 1")
    assert via_own.endswith("corr-x work] via own logger 1")
    assert via_logger.split()[1] == via_own.split()[1] != "[None"
    assert outside == "INFO [None None None] outside"


async def test_structlog_renders_the_message_context() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(_context_filter())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ExtraAdder(
                    ("message_id", "correlation_id", "destination", "duration_ms")
                ),
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[structlog.stdlib.add_log_level],
        )
    )
    std = logging.getLogger("obs.structlog")
    std.addHandler(handler)
    std.setLevel(logging.INFO)
    std.propagate = False
    structlog.configure(
        processors=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    broker = NatsBroker(middlewares=[MessageLogMiddleware()], logger=std)

    @broker.subscriber("jobs")
    async def job(n: int) -> None:
        structlog.get_logger("obs.structlog").info("job done", n=n)

    try:
        async with TestNatsBroker(broker) as br:
            await br.publish(5, "jobs", correlation_id="sl-1")
    finally:
        std.handlers.clear()
        structlog.reset_defaults()
    user, processed = (json.loads(line) for line in out.getvalue().splitlines())
    assert user["event"] == "job done" and user["n"] == 5
    assert user["correlation_id"] == "sl-1" and user["destination"] == "jobs"
    assert user["message_id"] and user["message_id"] == processed["message_id"]
    assert processed["event"].startswith("jobs: acked in ")
    assert processed["level"] == "info" and processed["duration_ms"] >= 0


def _context_filter() -> logging.Filter:
    from faststream_fastapi.observability import MessageContextFilter

    return MessageContextFilter()
