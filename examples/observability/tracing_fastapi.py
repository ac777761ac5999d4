"""OpenTelemetry: the HTTP request, the publish and the handler in one trace.

Spans go to the console here; point an OTLP exporter at your collector instead
(``opentelemetry-exporter-otlp``). The HTTP server span comes from
``opentelemetry-instrumentation-fastapi`` when it is installed.

    uvicorn examples.observability.tracing_fastapi:app
    curl -X POST localhost:8000/orders/7
"""

from fastapi import FastAPI
from opentelemetry import baggage, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from faststream_fastapi.opentelemetry import TelemetryMiddleware
from faststream_fastapi.redis.fastapi import Logger, RedisRouter

provider = TracerProvider(resource=Resource.create({"service.name": "orders"}))
provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
trace.set_tracer_provider(provider)

router = RedisRouter(
    "redis://localhost:6379",
    middlewares=[TelemetryMiddleware()],  # the global provider set above
)


@router.subscriber("orders")
async def ship(order_id: int, logger: Logger) -> None:
    # Baggage set by the caller travels with the message.
    logger.info("shipping %s for tenant %s", order_id, baggage.get_baggage("tenant"))


@router.post("/orders/{order_id}")
async def create(order_id: int) -> str:
    await router.broker.publish(order_id, "orders")
    return "queued"


app = FastAPI()
app.include_router(router)

try:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
except ImportError:  # HTTP spans are optional: messages are traced either way
    pass
else:
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
