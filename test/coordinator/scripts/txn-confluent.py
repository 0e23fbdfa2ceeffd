"""confluent-kafka-python (Debian, librdkafka 2.0.2) for the transaction suites.

argv[1] is a JSON spec. mode "consume": partitions assigned (no group), read from the beginning at
spec["isolation"] ("read_committed" or "read_uncommitted") until the "end" record of every
partition in spec["endPartitions"] was seen. mode "produce": the steps of txn-kafkajs.mjs's
"txn" kind with a transactional Producer. mode "hang": a transaction begun, spec["messages"] sent and
flushed, a line {"sent": n}, then a sleep until the test kills the process. mode "plain": the
messages sent without a transaction. Prints one JSON object on stdout.
"""
import json
import sys
import time

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

spec = json.load(open(sys.argv[1]))
out = {"version": confluent_kafka.version()[0], "librdkafka": confluent_kafka.libversion()[0]}


def consume():
    c = Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "client.id": spec["clientId"],
        "group.id": spec["clientId"],
        "enable.auto.commit": False,
        "isolation.level": spec["isolation"],
        "fetch.wait.max.ms": 100,
    })
    parts = {(e["topic"], e["p"]) for e in spec["endPartitions"]}
    c.assign([TopicPartition(t, p, OFFSET_BEGINNING) for (t, p) in sorted(parts)])
    waiting = set(parts)
    records = []
    while waiting:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            raise Exception(str(m.error()))
        v = None if m.value() is None else m.value().decode()
        if v == "end":
            waiting.discard((m.topic(), m.partition()))
        else:
            k = None if m.key() is None else m.key().decode()
            records.append({"t": m.topic(), "p": m.partition(), "o": m.offset(), "k": k, "v": v})
    c.close()
    out["records"] = records


def produce():
    steps = []
    producers = {}
    for step in spec["steps"]:
        p = producers.get(step["id"])
        if p is None:
            p = Producer({"bootstrap.servers": spec["bootstrap"], "client.id": spec["clientId"], "transactional.id": step["id"], "transaction.timeout.ms": spec.get("transactionTimeoutMs", 30000)})
            p.init_transactions(30)
            producers[step["id"]] = p
        p.begin_transaction()
        for s in step["sends"]:
            for m in s["messages"]:
                p.produce(s["topic"], key=m["k"], value=m["v"], partition=m["p"])
        if step["end"] == "commit":
            p.commit_transaction(30)
        else:
            # librdkafka purges what it has not sent yet at abort: flush first, so the aborted records are in the log.
            p.flush(30)
            p.abort_transaction(30)
        steps.append({"kind": "txn", "id": step["id"], "end": step["end"], "ok": True})
    out["steps"] = steps
    plain = Producer({"bootstrap.servers": spec["bootstrap"], "client.id": spec["clientId"] + "-plain"})
    for e in spec["endPartitions"]:
        plain.produce(e["topic"], key="end", value="end", partition=e["p"])
    plain.flush(30)


def hang():
    """A transaction left open: records sent and flushed, then the process waits to be killed."""
    p = Producer({"bootstrap.servers": spec["bootstrap"], "client.id": spec["clientId"], "transactional.id": spec["id"], "transaction.timeout.ms": spec["transactionTimeoutMs"]})
    p.init_transactions(30)
    p.begin_transaction()
    for m in spec["messages"]:
        p.produce(spec["topic"], key=m["k"], value=m["v"], partition=m["p"])
    p.flush(30)
    print(json.dumps({"sent": len(spec["messages"])}), flush=True)
    time.sleep(600)


def plain():
    p = Producer({"bootstrap.servers": spec["bootstrap"], "client.id": spec["clientId"] + "-plain"})
    for m in spec["messages"]:
        p.produce(spec["topic"], key=m["k"], value=m["v"], partition=m["p"])
    p.flush(30)


try:
    if spec["mode"] == "hang":
        hang()
    elif spec["mode"] == "plain":
        plain()
    elif spec["mode"] == "consume":
        consume()
    elif spec["mode"] == "produce":
        produce()
    out["ok"] = True
except Exception as e:  # noqa: BLE001 - reported to the test
    out["ok"] = False
    out["error"] = repr(e)
print(json.dumps(out), flush=True)
