"""confluent-kafka-python (librdkafka) load for the end-to-end benchmark.

argv[1] is a JSON spec:
  {"mode": "produce", "bootstrap", "topic", "partitions", "records", "recordBytes", "acks", "timeoutS"}
  {"mode": "consume", "bootstrap", "topic", "partition", "records", "timeoutS"}
Prints one JSON line: {"records", "bytes", "seconds", "errors"}. Consumption uses assign(), no group.
Bounded by the record count and by timeoutS.
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

spec = json.loads(sys.argv[1])
errors = []


def on_error(err):
    errors.append(str(err))


def produce():
    n = spec["records"]
    parts = spec["partitions"]
    stats = {"failed": 0}

    def on_delivery(err, _msg):
        if err is not None:
            stats["failed"] += 1

    p = Producer({
        "bootstrap.servers": spec["bootstrap"],
        "acks": str(spec["acks"]),
        "linger.ms": 5,
        "batch.size": 1000000,
        "batch.num.messages": 100000,
        "queue.buffering.max.messages": 2000000,
        "queue.buffering.max.kbytes": 2097152,
        "compression.type": "none",
        "delivery.report.only.error": True,
        "on_delivery": on_delivery,
        "error_cb": on_error,
    })
    value = os.urandom(spec["recordBytes"])
    topic = spec["topic"]
    produce_one = p.produce
    deadline = time.monotonic() + spec["timeoutS"]
    t0 = time.perf_counter()
    i = 0
    while i < n:
        try:
            produce_one(topic, value, partition=i % parts)
            i += 1
        except BufferError:
            p.poll(0.001)
            if time.monotonic() > deadline:
                break
    left = p.flush(max(1.0, deadline - time.monotonic()))
    seconds = time.perf_counter() - t0
    return {"records": i - left - stats["failed"], "bytes": (i - left - stats["failed"]) * len(value), "seconds": seconds, "errors": errors[:5] + (["%d not delivered" % (left + stats["failed"])] if left + stats["failed"] else [])}


def consume():
    n = spec["records"]
    c = Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "group.id": "takhin-bench-unused",
        "enable.auto.commit": False,
        "fetch.max.bytes": 52428800,
        "max.partition.fetch.bytes": 8388608,
        "queued.max.messages.kbytes": 1048576,
        # without this librdkafka 2.0 backs off for long stretches once 100,000 messages are queued
        "queued.min.messages": 1000000,
        "error_cb": on_error,
    })
    c.assign([TopicPartition(spec["topic"], spec["partition"], 0)])
    deadline = time.monotonic() + spec["timeoutS"]
    got = 0
    size = 0
    t0 = None
    while got < n and time.monotonic() < deadline:
        msgs = c.consume(num_messages=10000, timeout=0.5)
        if t0 is None and msgs:
            t0 = time.perf_counter()
        for m in msgs:
            if m.error() is not None:
                errors.append(str(m.error()))
                continue
            got += 1
            size += len(m.value())
    seconds = time.perf_counter() - (t0 or time.perf_counter())
    c.close()
    return {"records": got, "bytes": size, "seconds": seconds, "errors": errors[:5]}


result = produce() if spec["mode"] == "produce" else consume()
print(json.dumps(result), flush=True)
