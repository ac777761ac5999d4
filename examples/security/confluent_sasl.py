"""Kafka with SASL PLAIN over TLS, on confluent-kafka (librdkafka takes files, not contexts).

The password and the CA file come from the environment; the broker connects
when started.
"""

# --8<-- [start:confluent]
import os

from faststream_fastapi.confluent import KafkaBroker
from faststream_fastapi.security import SASLPlaintext

security = SASLPlaintext(
    "orders-service",
    os.environ["KAFKA_PASSWORD"],
    ca_file=os.environ.get("KAFKA_CA_FILE"),  # None: the system's CAs
    use_ssl=True,
)
broker = KafkaBroker("kafka-1.internal:9093", security=security)
# --8<-- [end:confluent]
