"""confluent-kafka-python (librdkafka) for the produce/consume and idempotence suites.

argv[1] is a JSON spec: {"mode": "produce" | "consume" | "idempotent", "bootstrap", "clientId", ...}.
Prints progress lines and, last, one JSON object on stdout. Bytes travel as base64, null as null.
"""
import base64
import json
import sys
import time

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, Producer, TopicPartition

spec = json.load(open(sys.argv[1]))
mode = spec["mode"]


def b64(b):
    return None if b is None else base64.b64encode(b).decode()


def unb64(s):
    return None if s is None else base64.b64decode(s)


def out(obj):
    obj["version"] = confluent_kafka.version()[0]
    obj["librdkafka"] = confluent_kafka.libversion()[0]
    print(json.dumps(obj), flush=True)


def produce():
    """Every job: its records, in order, to its topic under its codec; delivery reports kept per record."""
    result = {"delivered": {}, "errors": []}
    for job in spec["jobs"]:
        topic = job["topic"]
        records = json.load(open(job["recordsFile"]))
        p = Producer({
            "bootstrap.servers": spec["bootstrap"],
            "client.id": spec["clientId"],
            "compression.type": job["codec"],
            "acks": "all",
            "linger.ms": 5,
        })
        delivered = [None] * len(records)

        def report(i):
            def cb(err, msg):
                if err is not None:
                    result["errors"].append("%s#%d: %s" % (topic, i, err))
                else:
                    delivered[i] = [msg.partition(), msg.offset()]
            return cb

        for i, r in enumerate(records):
            headers = [(n, base64.b64decode(v)) for n, v in r["h"]]
            while True:
                try:
                    p.produce(topic, value=unb64(r["v"]), key=unb64(r["k"]), partition=r["p"], timestamp=r["ts"], headers=headers, on_delivery=report(i))
                    break
                except BufferError:
                    p.poll(0.05)
            p.poll(0)
        left = p.flush(30)
        if left:
            result["errors"].append("%s: %d messages not delivered" % (topic, left))
        result["delivered"][topic] = delivered
    out(result)


def consume_all(c, assignments, deadline):
    """Assigns, then polls until every assigned partition reported end of partition."""
    c.assign(assignments)
    pending = {(tp.topic, tp.partition) for tp in assignments}
    records = []
    while pending:
        if time.time() > deadline:
            raise SystemExit("timed out; still waiting for %s" % sorted(pending))
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                pending.discard((m.topic(), m.partition()))
                continue
            raise SystemExit("consume error: %s" % m.error())
        tt, ts = m.timestamp()
        records.append({
            "t": m.topic(), "p": m.partition(), "o": m.offset(),
            "k": b64(m.key()), "v": b64(m.value()),
            "h": [[n, b64(v) if v is not None else None] for n, v in (m.headers() or [])],
            "ts": ts, "tt": tt - 1,
        })
    return records


def consume():
    c = Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "client.id": spec["clientId"],
        # librdkafka's consumer needs a group id, but assign() alone never joins, and with explicit
        # start offsets and no commits it never reads or writes group offsets. (While FindCoordinator
        # is not advertised the group just stays in query-coord and no group API is sent at all.)
        "group.id": "takhin-assign-only",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "error",
        "check.crcs": True,
    })
    deadline = time.time() + spec.get("timeoutS", 40)
    topics = spec["topics"]
    begin = [TopicPartition(t["topic"], p, OFFSET_BEGINNING) for t in topics for p in range(t["partitions"])]
    from_beginning = consume_all(c, begin, deadline)
    ts = spec["timestamp"]
    found = c.offsets_for_times([TopicPartition(t["topic"], p, ts) for t in topics for p in range(t["partitions"])], timeout=10)
    offsets = {}
    for tp in found:
        if tp.error:
            raise SystemExit("offsets_for_times: %s" % tp.error)
        offsets.setdefault(tp.topic, {})[str(tp.partition)] = tp.offset
    at = [TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_END) for tp in found]
    from_ts = consume_all(c, at, deadline)
    c.close()
    out({"fromBeginning": from_beginning, "offsetsForTimes": offsets, "fromTimestamp": from_ts})


def idempotent():
    """`count` messages (value "<prefix>-<i>" padded, key "k<i>", partition i % partitions) with
    enable.idempotence=true (unless spec "idempotence" is false) and acks=all; prints
    "progress <delivered>" as reports arrive."""
    topic = spec["topic"]
    parts = spec["partitions"]
    count = spec["count"]
    pad = b"." * spec.get("pad", 100)
    fatal = []

    def on_error(err):
        # Transient errors (all brokers down during a restart) are expected; fatal ones are not.
        if err.fatal():
            fatal.append(str(err))

    p = Producer({
        "error_cb": on_error,
        "bootstrap.servers": spec["bootstrap"],
        "client.id": spec["clientId"],
        "enable.idempotence": spec.get("idempotence", True),
        "acks": "all",
        "compression.type": spec.get("codec", "none"),
        "linger.ms": 2,
        "batch.num.messages": spec.get("batch", 200),
        "message.send.max.retries": 1000000,
        "retry.backoff.ms": 50,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 200,
        "message.timeout.ms": 60000,
    })
    delivered = {}
    errors = []
    state = {"n": 0, "last": 0}

    def cb(err, msg):
        if err is not None:
            errors.append(str(err))
            return
        i = int(msg.key()[1:])
        delivered[i] = [msg.partition(), msg.offset()]
        state["n"] += 1

    pace = spec.get("paceEvery", 0)
    for i in range(count):
        value = ("%s-%d-" % (spec["prefix"], i)).encode() + pad
        while True:
            try:
                p.produce(topic, value=value, key=("k%d" % i).encode(), partition=i % parts, on_delivery=cb)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if pace and i % pace == pace - 1:
            p.poll(spec.get("paceMs", 10) / 1000)
        if state["n"] - state["last"] >= 500:
            state["last"] = state["n"]
            print("progress %d" % state["n"], flush=True)
    left = p.flush(60)
    print("progress %d" % state["n"], flush=True)
    out({"delivered": {str(k): v for k, v in delivered.items()}, "undelivered": left, "errors": errors[:20], "errorCount": len(errors), "fatal": fatal})


{"produce": produce, "consume": consume, "idempotent": idempotent}[mode]()
