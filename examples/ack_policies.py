"""Ack policies on RabbitMQ: drop to a dead-letter queue, redeliver, or settle by hand.

Run it with ``uvicorn examples.ack_policies:app`` (RabbitMQ on 127.0.0.1:5672, or set
``RABBIT_URL``).
"""

import os

from fastapi import FastAPI
from pydantic import BaseModel

from faststream_fastapi import AckPolicy
from faststream_fastapi.rabbit import RabbitQueue
from faststream_fastapi.rabbit.fastapi import Logger, RabbitMessage, RabbitRouter

router = RabbitRouter(os.environ.get("RABBIT_URL", "amqp://guest:guest@127.0.0.1:5672/"))


class Payment(BaseModel):
    id: int
    amount: float


# A rejected message goes to the "payments-dead" queue instead of vanishing.
payments = RabbitQueue(
    "payments",
    arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "payments-dead"},
)
settled: list[int] = []
dead: list[int] = []
attempts: dict[int, int] = {}


# The default, REJECT_ON_ERROR: a handler error rejects the message (dead-lettered here).
@router.subscriber(payments)
async def charge(payment: Payment) -> None:
    if payment.amount <= 0:
        raise ValueError(f"payment {payment.id}: nothing to charge")
    settled.append(payment.id)


@router.subscriber("payments-dead")
async def inspect(payment: Payment, logger: Logger) -> None:
    logger.warning("payment %s was dead-lettered", payment.id)
    dead.append(payment.id)


# NACK_ON_ERROR: a handler error requeues the message, so it is tried again.
@router.subscriber("refunds", ack_policy=AckPolicy.NACK_ON_ERROR)
async def refund(payment: Payment) -> None:
    attempts[payment.id] = attempts.get(payment.id, 0) + 1
    if attempts[payment.id] < 3:
        raise ConnectionError("the bank did not answer")  # transient: worth retrying
    settled.append(payment.id)


# MANUAL: the handler decides; nothing is settled for it.
@router.subscriber("reviews", ack_policy=AckPolicy.MANUAL)
async def review(payment: Payment, message: RabbitMessage) -> None:
    if payment.amount > 1000:
        await message.reject()  # too large to refund automatically: dead-letter or drop
    else:
        settled.append(payment.id)
        await message.ack()


@router.get("/payments")
async def status() -> dict:
    return {"settled": settled, "dead": dead, "attempts": attempts}


app = FastAPI(title="payments", lifespan=router.lifespan_context)
app.include_router(router)
