"""confluent-kafka-python (librdkafka) transactional producer committing a consumer group's
offsets in its transactions (send_offsets_to_transaction: AddOffsetsToTxn + TxnOffsetCommit,
then EndTxn). argv: bootstrap, transactional id, group, input topic, output topic.
Transaction 1 produces a record and commits offset 5 of input-0 (committed); transaction 2
commits offset 9 of input-0 (aborted); transaction 3 commits offset 7 of input-1 and is left open.
The group's committed offsets are read by a read_uncommitted consumer (OffsetFetch without
require_stable) before and after each end (after a commit, until they show: the markers may be
written after EndTxn answered). Prints one JSON object."""
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, transactional_id, group, input_topic, output_topic = sys.argv[1:6]
out = {"client": "confluent-kafka-python", "version": confluent_kafka.version()[0], "librdkafka": confluent_kafka.libversion()[0], "phases": {}}

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False, "isolation.level": "read_uncommitted"})
producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": transactional_id, "transaction.timeout.ms": 60000})


def offsets():
    got = consumer.committed([TopicPartition(input_topic, 0), TopicPartition(input_topic, 1)], timeout=20)
    return {str(tp.partition): tp.offset for tp in got}


def settled(partition, want):
    """EndTxn may answer before the markers are written (Kafka writes them asynchronously): wait, bounded, until the group shows `want`."""
    deadline = time.time() + 20
    got = offsets()
    while got[str(partition)] != want and time.time() < deadline:
        time.sleep(0.1)
        got = offsets()
    return got


try:
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(output_topic, key=b"k", value=b"from-txn-1")
    producer.send_offsets_to_transaction([TopicPartition(input_topic, 0, 5)], consumer.consumer_group_metadata(), 30)
    out["phases"]["beforeCommit"] = offsets()
    producer.commit_transaction(30)
    out["phases"]["afterCommit"] = settled(0, 5)

    producer.begin_transaction()
    producer.send_offsets_to_transaction([TopicPartition(input_topic, 0, 9)], consumer.consumer_group_metadata(), 30)
    out["phases"]["beforeAbort"] = offsets()
    producer.abort_transaction(30)
    out["phases"]["afterAbort"] = offsets()

    producer.begin_transaction()
    producer.send_offsets_to_transaction([TopicPartition(input_topic, 1, 7)], consumer.consumer_group_metadata(), 30)
    out["phases"]["leftOpen"] = offsets()
    out["ok"] = True
except Exception as e:  # noqa: BLE001 - reported to the test
    out["ok"] = False
    out["error"] = repr(e)
print(json.dumps(out), flush=True)
consumer.close()
# Transaction 3 stays open: leave without ending it.
import os
os._exit(0)
