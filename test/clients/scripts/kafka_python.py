"""kafka-python: KafkaAdminClient.describe_cluster / list_topics / describe_topics and the
broker version it detects, against the bootstrap address given as argv[1]; prints one JSON object."""
import json
import sys

import kafka
from kafka.admin import KafkaAdminClient

bootstrap = sys.argv[1]
admin = KafkaAdminClient(
    bootstrap_servers=bootstrap,
    client_id="takhin-discovery-kafka-python",
    request_timeout_ms=10000,
    api_version_auto_timeout_ms=5000,
)
try:
    cluster = admin.describe_cluster()
    listed = admin.list_topics()
    described = admin.describe_topics(listed)
    out = {
        "client": "kafka-python",
        "version": kafka.__version__,
        "apiVersion": list(admin.config["api_version"]),
        "clusterId": cluster.get("cluster_id"),
        "controllerId": cluster.get("controller_id"),
        "brokers": [{"nodeId": b["node_id"], "host": b["host"], "port": b["port"]} for b in cluster["brokers"]],
        "topics": [{"name": t["topic"], "partitions": len(t["partitions"])} for t in described],
        "listed": listed,
    }
    print(json.dumps(out))
finally:
    admin.close()
