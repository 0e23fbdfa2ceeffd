"""confluent-kafka-python (librdkafka): AdminClient.list_topics against the bootstrap address
given as argv[1]; prints one JSON object."""
import json
import sys

import confluent_kafka
from confluent_kafka.admin import AdminClient

bootstrap = sys.argv[1]
admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "takhin-discovery-confluent"})
md = admin.list_topics(timeout=10)
out = {
    "client": "confluent-kafka-python",
    "version": confluent_kafka.version()[0],
    "librdkafka": confluent_kafka.libversion()[0],
    "clusterId": md.cluster_id,
    "controllerId": md.controller_id,
    "brokers": [{"nodeId": b.id, "host": b.host, "port": b.port} for b in md.brokers.values()],
    "topics": [{"name": t.topic, "partitions": len(t.partitions), "error": str(t.error) if t.error else None} for t in md.topics.values()],
    "origBrokerId": md.orig_broker_id,
}
print(json.dumps(out))
