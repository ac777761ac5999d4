"""structlog printing by itself: bind the message context into structlog's contextvars.

Without the standard library in between, its filters never see structlog's events;
a five-line middleware binds the ids for the duration of each message instead.

    python examples/observability/logging_structlog_contextvars.py
"""

import asyncio
from typing import Any

import structlog

from faststream_fastapi.core import Middleware, StreamMessage
from faststream_fastapi.redis import RedisBroker, TestRedisBroker


class StructlogContext(Middleware):
    async def consume(self, message: StreamMessage, call_next: Any) -> Any:
        with structlog.contextvars.bound_contextvars(
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            destination=message.destination,
        ):
            return await call_next(message)


structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.JSONRenderer(),
    ]
)
log = structlog.get_logger()
broker = RedisBroker("redis://localhost:6379", middlewares=[StructlogContext()])


@broker.subscriber("orders")
async def handle(order_id: int) -> None:
    log.info("order accepted", order_id=order_id)


async def main() -> None:
    async with TestRedisBroker(broker) as br:
        await br.publish(42, "orders", correlation_id="checkout-1")
    log.info("outside")


if __name__ == "__main__":
    asyncio.run(main())
