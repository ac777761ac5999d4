"""RabbitMQ over TLS, authenticated by the client certificate (EXTERNAL).

RabbitMQ needs its ``rabbitmq_auth_mechanism_ssl`` plugin and a TLS listener
(``listeners.ssl.default = 5671``); the certificate's subject names the user.
"""

# --8<-- [start:external]
import os

from faststream_fastapi.rabbit import RabbitBroker
from faststream_fastapi.security import SASLExternal

security = SASLExternal(
    ca_file=os.environ.get("RABBIT_CA_FILE"),
    cert_file=os.environ.get("RABBIT_CERT_FILE", "client.pem"),
    key_file=os.environ.get("RABBIT_KEY_FILE", "client-key.pem"),
)
broker = RabbitBroker("amqps://rabbit.internal:5671/orders", security=security)
# --8<-- [end:external]
