"""kafka-python KafkaAdminClient against Takhin: create_topics, describe_configs, alter_configs,
create_partitions, delete_topics. argv: bootstrap, topic prefix. Prints one JSON object on stdout."""
import json
import sys

import kafka
import kafka.errors
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic

bootstrap, prefix = sys.argv[1], sys.argv[2]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="takhin-admin-kafka-python", request_timeout_ms=10000, api_version_auto_timeout_ms=5000)
topic = prefix + "-kafka-python"
out = {"client": "kafka-python", "version": kafka.__version__}


def configs_of(name):
    [resp] = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name, {"retention.ms": None, "segment.ms": None, "cleanup.policy": None})])
    error_code, _msg, _type, _name, entries = resp.resources[0]
    # entry: name, value, read_only, is_default (v0) or config_source (v1+), is_sensitive[, synonyms]
    return {"error": error_code, "version": resp.API_VERSION, "configs": {e[0]: {"value": e[1], "sourceOrDefault": e[3]} for e in entries}}


def partitions_of(name):
    [t] = admin.describe_topics([name])
    return {"error": t["error_code"], "partitions": len(t["partitions"])}


try:
    r = admin.create_topics([NewTopic(topic, 2, 1, topic_configs={"segment.ms": "600000"})], timeout_ms=5000)
    out["created"] = [[t[0], t[1]] for t in r.topic_errors]
    out["createVersion"] = r.API_VERSION
    try:
        admin.create_topics([NewTopic(topic, 1, 1)], timeout_ms=5000)
        out["createdAgain"] = "no error"
    except kafka.errors.TopicAlreadyExistsError as e:
        out["createdAgain"] = type(e).__name__
    out["described"] = configs_of(topic)
    r = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "5000000"})])
    out["alter"] = [[x[0], x[3]] for x in r.resources]
    out["alterVersion"] = r.API_VERSION
    out["describedAfterAlter"] = configs_of(topic)
    r = admin.create_partitions({topic: NewPartitions(3)}, timeout_ms=5000)
    out["createPartitions"] = [[x[0], x[1]] for x in r.topic_errors]
    out["createPartitionsVersion"] = r.API_VERSION
    out["metadataAfterPartitions"] = partitions_of(topic)
    r = admin.delete_topics([topic], timeout_ms=5000)
    out["delete"] = [[x[0], x[1]] for x in r.topic_error_codes]
    out["deleteVersion"] = r.API_VERSION
    out["listedAfterDelete"] = sorted(admin.list_topics())
    print(json.dumps(out))
finally:
    admin.close()
