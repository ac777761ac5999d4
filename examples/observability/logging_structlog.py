"""structlog: JSON lines with the message context, from stdlib and structlog loggers.

structlog renders through the standard library here (``ProcessorFormatter``),
so the stdlib filters add ``message_id``, ``correlation_id``, ``destination``
(and ``trace_id`` / ``span_id`` with tracing), and ``ExtraAdder`` copies them
into the event.

    python examples/observability/logging_structlog.py
"""

import asyncio
import logging

import structlog

from faststream_fastapi.observability import MessageContextFilter, MessageLogMiddleware
from faststream_fastapi.redis import RedisBroker, TestRedisBroker

FIELDS = ("message_id", "correlation_id", "destination", "subscriber", "status", "duration_ms")

handler = logging.StreamHandler()
handler.addFilter(MessageContextFilter())
handler.setFormatter(
    structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.processors.TimeStamper()],
        processors=[
            structlog.stdlib.ExtraAdder(FIELDS),
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
)
logging.basicConfig(level=logging.INFO, handlers=[handler])
structlog.configure(
    processors=[
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
)

log = structlog.get_logger("shop")
broker = RedisBroker("redis://localhost:6379", middlewares=[MessageLogMiddleware()])


@broker.subscriber("orders")
async def handle(order_id: int) -> None:
    log.info("order accepted", order_id=order_id)


async def main() -> None:
    async with TestRedisBroker(broker) as br:
        await br.publish(42, "orders", correlation_id="checkout-1")


if __name__ == "__main__":
    asyncio.run(main())
