"""Stopping with messages in flight: finish what fits in ``graceful_timeout``, hand back the rest.

``faststream-fastapi run examples.production.shutdown:app``; then SIGTERM (Ctrl+C).
"""

import asyncio
import os

from fastapi import FastAPI
from pydantic import BaseModel

from faststream_fastapi.nats.fastapi import Logger, NatsRouter

STREAM = os.environ.get("INVOICES_STREAM", "invoices")
#: How long one invoice takes (a call to a payment service, say).
WORK_SECONDS = float(os.environ.get("WORK_SECONDS", "1.0"))

router = NatsRouter(
    os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
    # On SIGTERM, handlers in flight get 10 s; then they are cancelled and their
    # messages handed back to JetStream (nak), which delivers them again at once.
    graceful_timeout=float(os.environ.get("GRACEFUL_TIMEOUT", "10")),
)
billed: set[int] = set()
interrupted: list[int] = []


class Invoice(BaseModel):
    id: int


@router.subscriber(STREAM, stream=STREAM, durable="billing")
async def bill(invoice: Invoice, logger: Logger) -> None:
    if invoice.id in billed:  # at-least-once: a message can come twice
        return
    try:
        await asyncio.sleep(WORK_SECONDS)
    except asyncio.CancelledError:
        # Shutting down past the graceful timeout: the next consumer gets it.
        interrupted.append(invoice.id)
        logger.warning("invoice %s interrupted; it will be delivered again", invoice.id)
        raise
    billed.add(invoice.id)


app = FastAPI(title="billing", lifespan=router.lifespan_context)
app.include_router(router)
