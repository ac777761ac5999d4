"""Standard ``logging``: one line per message, and message ids on every record.

``MessageLogMiddleware`` logs ``"orders: acked in 1.20 ms"`` per message;
``MessageContextFilter`` on the handler puts ``message_id``, ``correlation_id``
and ``destination`` on records from any logger, yours included.

    python examples/observability/logging_config.py
"""

import asyncio
import logging
import logging.config

from faststream_fastapi import Logger
from faststream_fastapi.observability import MessageLogMiddleware
from faststream_fastapi.redis import RedisBroker, TestRedisBroker

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"message": {"()": "faststream_fastapi.observability.MessageContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[%(destination)s %(message_id)s %(correlation_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["message"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
}
logging.config.dictConfig(LOGGING)

app_logger = logging.getLogger("shop")
broker = RedisBroker(
    "redis://localhost:6379",
    middlewares=[MessageLogMiddleware(level=logging.INFO)],
)


@broker.subscriber("orders")
async def handle(order_id: int, logger: Logger) -> None:
    logger.info("handling order %s", order_id)  # the broker's logger
    app_logger.info("reserved stock")  # yours: same ids, thanks to the handler's filter


async def main() -> None:
    async with TestRedisBroker(broker) as br:  # in memory: no server needed to try it
        await br.publish(42, "orders", correlation_id="checkout-1")


if __name__ == "__main__":
    asyncio.run(main())
