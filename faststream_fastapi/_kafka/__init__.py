"""What the aiokafka (``kafka``) and confluent-kafka (``confluent``) packages share.

``__all__`` is what both export besides their own broker, router, test broker
and FastAPI module: the same names, so a service changes client by its imports.
"""

from ..core.ack import AckPolicy
from .message import KafkaMessage
from .response import KafkaResponse
from .routes import KafkaPublisher, KafkaRoute
from .specs import KafkaTopic, TopicPartition

__all__ = ["AckPolicy", "KafkaMessage", "KafkaResponse", "KafkaTopic", "TopicPartition"]
__all__ += ["KafkaPublisher", "KafkaRoute"]
