"""Kafka with SASL SCRAM over TLS, on aiokafka (which takes an ``ssl.SSLContext``).

The password and the CA file come from the environment; the broker connects
when started (``uvicorn``, ``faststream-fastapi run``, or ``async with broker``).
"""

# --8<-- [start:aiokafka]
import os
import ssl

from faststream_fastapi.kafka import KafkaBroker
from faststream_fastapi.security import SASLScram512

security = SASLScram512(
    username="orders-service",
    password=os.environ["KAFKA_PASSWORD"],
    ssl_context=ssl.create_default_context(cafile=os.environ.get("KAFKA_CA_FILE")),
)
broker = KafkaBroker("kafka-1.internal:9093", security=security)
# --8<-- [end:aiokafka]
