"""What the aiokafka (``kafka``) and confluent-kafka (``confluent``) packages share."""
