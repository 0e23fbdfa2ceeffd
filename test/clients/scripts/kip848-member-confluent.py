"""One member of a KIP-848 consumer group (group.protocol=consumer) with confluent-kafka-python
(librdkafka) for test/clients/kip848-librdkafka.test.ts:
    kip848-member-confluent.py <bootstrap> <group> <topics,comma,separated | regex:PATTERN> <assignor>
Prints one JSON line per event with time.monotonic_ns() (CLOCK_MONOTONIC: comparable across the
processes of one machine): started, assigned / revoked / lost (the callback's partitions), record,
committed, closed. Commits synchronously after each message batch and before revocation. SIGTERM
closes the consumer (it leaves the group); SIGKILL does not."""
import json
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaException

bootstrap, group, sub, assignor = sys.argv[1:5]
stop = False


def emit(event, **extra):
    print(json.dumps({"event": event, "t": time.monotonic_ns(), **extra}), flush=True)


def parts(ps):
    return [f"{p.topic}:{p.partition}" for p in ps]


def on_term(_sig, _frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)

c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "group.protocol": "consumer",
    "group.remote.assignor": assignor,
    "client.id": "kip848-librdkafka",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "topic.metadata.refresh.interval.ms": 1000,
})


def on_assign(consumer, ps):
    emit("assigned", partitions=parts(ps))


def on_revoke(consumer, ps):
    if ps:
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as e:
            emit("commit-failed", error=str(e))
    emit("revoked", partitions=parts(ps))


def on_lost(consumer, ps):
    emit("lost", partitions=parts(ps))


topics = ["^" + sub[len("regex:"):]] if sub.startswith("regex:") else sub.split(",")
c.subscribe(topics, on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
emit("started")
try:
    while not stop:
        msgs = c.consume(num_messages=100, timeout=0.2)
        got = False
        for m in msgs:
            if m.error():
                emit("error", error=str(m.error()))
                continue
            got = True
            emit("record", topic=m.topic(), partition=m.partition(), offset=m.offset())
        if got:
            try:
                c.commit(asynchronous=False)
                emit("committed")
            except KafkaException as e:
                emit("commit-failed", error=str(e))
finally:
    c.close()
    emit("closed")
