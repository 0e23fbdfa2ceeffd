"""confluent-kafka-python (librdkafka) AdminClient against Takhin: create_topics with config (and the
errors it reports), create_partitions, describe_configs, alter_configs, delete_topics.
argv: bootstrap, topic prefix, broker id. Prints one JSON object on stdout."""
import json
import sys

import confluent_kafka
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

bootstrap, prefix, broker_id = sys.argv[1], sys.argv[2], sys.argv[3]
admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "takhin-admin-confluent"})
topic = prefix + "-confluent"
out = {"client": "confluent-kafka-python", "version": confluent_kafka.version()[0], "librdkafka": confluent_kafka.libversion()[0]}


def outcome(future):
    try:
        future.result(timeout=15)
        return "ok"
    except KafkaException as e:
        return e.args[0].name()


def partitions_of(name):
    md = admin.list_topics(topic=name, timeout=10)
    t = md.topics[name]
    return {"partitions": len(t.partitions), "error": t.error.name() if t.error else None}


def described(kind, name, keys):
    res = ConfigResource(kind, name)
    entries = admin.describe_configs([res], request_timeout=10)[res].result(timeout=15)
    return {k: {"value": e.value, "source": int(e.source), "isDefault": e.is_default, "synonyms": [s for s in e.synonyms]}
            for k, e in entries.items() if k in keys}


new = NewTopic(topic, num_partitions=2, replication_factor=1, config={"retention.ms": "3600000", "max.message.bytes": "500000"})
out["created"] = outcome(admin.create_topics([new], operation_timeout=5, request_timeout=10)[topic])
out["createdAgain"] = outcome(admin.create_topics([NewTopic(topic, 1, 1)], request_timeout=10)[topic])
bad = NewTopic(topic + "-bad", 1, 1, config={"cleanup.policy": "shred"})
out["badConfig"] = outcome(admin.create_topics([bad], request_timeout=10)[topic + "-bad"])
out["validateOnly"] = outcome(admin.create_topics([NewTopic(topic + "-dry", 1, 1)], validate_only=True, request_timeout=10)[topic + "-dry"])
out["metadata"] = partitions_of(topic)
# librdkafka asks for an unknown topic with auto-creation allowed: the broker creates it.
out["autoCreated"] = partitions_of(topic + "-auto")
out["createPartitions"] = outcome(admin.create_partitions([NewPartitions(topic, 4)], request_timeout=10)[topic])
out["metadataAfterPartitions"] = partitions_of(topic)
keys = {"retention.ms", "max.message.bytes", "segment.bytes"}
out["described"] = described(ConfigResource.Type.TOPIC, topic, keys)
res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "7200000"})
out["alter"] = outcome(admin.alter_configs([res], request_timeout=10)[res])
out["describedAfterAlter"] = described(ConfigResource.Type.TOPIC, topic, keys)
out["broker"] = described(ConfigResource.Type.BROKER, broker_id, {"num.partitions", "auto.create.topics.enable", "log.retention.hours"})
bres = ConfigResource(ConfigResource.Type.BROKER, broker_id, set_config={"num.partitions": "9"})
out["alterBroker"] = outcome(admin.alter_configs([bres], request_timeout=10)[bres])
out["delete"] = outcome(admin.delete_topics([topic], operation_timeout=5, request_timeout=10)[topic])
out["listedAfterDelete"] = sorted(admin.list_topics(timeout=10).topics.keys())
print(json.dumps(out))
