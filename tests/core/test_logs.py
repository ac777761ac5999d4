"""A broker leaves the logger it is given as it was, and still adds the message context."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from faststream_fastapi import Logger
from faststream_fastapi.core.logs import MessageContextFilter
from faststream_fastapi.redis import RedisBroker, TestRedisBroker


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def user_logger() -> Iterator[tuple[logging.Logger, _Keep]]:
    logger = logging.getLogger("tests.core.logs.user")
    keep = _Keep()
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, keep
    logger.removeHandler(keep)
    logger.filters.clear()


async def test_a_users_logger_gets_no_filter(
    user_logger: tuple[logging.Logger, _Keep],
) -> None:
    logger, keep = user_logger
    handlers = list(logger.handlers)
    broker = RedisBroker(logger=logger)

    @broker.subscriber("in")
    async def handler(msg: str, log: Logger) -> None:
        log.info("working on %s", msg)
        log.debug("not at INFO")

    async with TestRedisBroker(broker) as br:
        await br.publish("job", "in", correlation_id="corr-1")
    assert logger.filters == []
    assert logger.handlers == handlers
    assert logger.level == logging.INFO
    # The handler's ``Logger`` wrote to the user's handlers, with the message context.
    (record,) = keep.records
    assert record.name == logger.name and record.getMessage() == "working on job"
    assert record.correlation_id == "corr-1"  # type: ignore[attr-defined]
    assert record.destination == "in"  # type: ignore[attr-defined]


async def test_the_users_level_filters_and_disabled_still_apply(
    user_logger: tuple[logging.Logger, _Keep],
) -> None:
    logger, keep = user_logger
    broker = RedisBroker(logger=logger)
    logger.setLevel(logging.DEBUG)  # after the broker was made: read at each call
    broker.logger.debug("debug %d", 1)
    logger.addFilter(lambda record: "drop" not in record.getMessage())
    broker.logger.info("drop me")
    logger.disabled = True
    broker.logger.error("while disabled")
    logger.disabled = False
    assert [r.getMessage() for r in keep.records] == ["debug 1"]
    assert keep.records[0].message_id is None  # type: ignore[attr-defined]


def test_a_brokers_logger_given_to_another_is_not_wrapped_twice(
    user_logger: tuple[logging.Logger, _Keep],
) -> None:
    logger, keep = user_logger
    first = RedisBroker(logger=logger)
    second = RedisBroker(logger=first.logger)
    assert second.logger is first.logger
    logger.addFilter(lambda record: False)
    second.logger.error("filtered by the user's logger")
    assert keep.records == []


def test_only_the_librarys_logger_carries_the_filter() -> None:
    RedisBroker()
    library = logging.getLogger("faststream_fastapi")
    assert sum(isinstance(f, MessageContextFilter) for f in library.filters) == 1
    RedisBroker()  # not twice
    assert sum(isinstance(f, MessageContextFilter) for f in library.filters) == 1
