"""kafka-python for the produce/consume suite.

argv[1] is a JSON spec: {"mode": "produce" | "consume", "bootstrap", "clientId", ...}. Prints one
JSON object on stdout. Without the python-snappy, lz4 and zstandard modules (not installed here)
kafka-python can only write and read uncompressed and gzip batches.
"""
import base64
import json
import sys
import time

import kafka
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

spec = json.load(open(sys.argv[1]))
mode = spec["mode"]


def b64(b):
    return None if b is None else base64.b64encode(b).decode()


def unb64(s):
    return None if s is None else base64.b64decode(s)


def out(obj):
    obj["version"] = kafka.__version__
    print(json.dumps(obj), flush=True)


def produce():
    result = {"delivered": {}, "errors": []}
    for job in spec["jobs"]:
        topic = job["topic"]
        records = json.load(open(job["recordsFile"]))
        codec = job["codec"]
        p = KafkaProducer(
            bootstrap_servers=spec["bootstrap"],
            client_id=spec["clientId"],
            compression_type=None if codec == "none" else codec,
            acks="all",
            linger_ms=5,
            request_timeout_ms=10000,
        )
        futures = []
        for r in records:
            headers = [(n, base64.b64decode(v)) for n, v in r["h"]]
            futures.append(p.send(topic, value=unb64(r["v"]), key=unb64(r["k"]), partition=r["p"], timestamp_ms=r["ts"], headers=headers))
        p.flush(30)
        delivered = []
        for i, f in enumerate(futures):
            try:
                md = f.get(timeout=10)
                delivered.append([md.partition, md.offset])
            except Exception as e:  # noqa: BLE001 - reported, and the test fails on it
                result["errors"].append("%s#%d: %r" % (topic, i, e))
                delivered.append(None)
        p.close(5)
        result["delivered"][topic] = delivered
    out(result)


def consume_all(c, starts, deadline):
    """Assigns the partitions, seeks each to its start (None = beginning) and polls to the end offsets."""
    tps = list(starts.keys())
    c.assign(tps)
    for tp, off in starts.items():
        if off is None:
            c.seek_to_beginning(tp)
        else:
            c.seek(tp, off)
    ends = c.end_offsets(tps)
    records = []
    while any(c.position(tp) < ends[tp] for tp in tps):
        if time.time() > deadline:
            raise SystemExit("timed out at %s of %s" % ({str(tp): c.position(tp) for tp in tps}, ends))
        for tp, msgs in c.poll(timeout_ms=200).items():
            for m in msgs:
                records.append({
                    "t": m.topic, "p": m.partition, "o": m.offset,
                    "k": b64(m.key), "v": b64(m.value),
                    "h": [[n, b64(v)] for n, v in (m.headers or [])],
                    "ts": m.timestamp, "tt": m.timestamp_type,
                })
    return records


def consume():
    c = KafkaConsumer(
        bootstrap_servers=spec["bootstrap"],
        client_id=spec["clientId"],
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="none",
        check_crcs=True,
        request_timeout_ms=15000,
        fetch_max_wait_ms=100,
    )
    deadline = time.time() + spec.get("timeoutS", 40)
    tps = [TopicPartition(t["topic"], p) for t in spec["topics"] for p in range(t["partitions"])]
    from_beginning = consume_all(c, {tp: None for tp in tps}, deadline)
    found = c.offsets_for_times({tp: spec["timestamp"] for tp in tps})
    offsets = {}
    starts = {}
    ends = c.end_offsets(tps)
    for tp in tps:
        ot = found.get(tp)
        offsets.setdefault(tp.topic, {})[str(tp.partition)] = ot.offset if ot is not None else -1
        starts[tp] = ot.offset if ot is not None else ends[tp]
    from_ts = consume_all(c, starts, deadline)
    c.close(autocommit=False)
    out({"fromBeginning": from_beginning, "offsetsForTimes": offsets, "fromTimestamp": from_ts})


{"produce": produce, "consume": consume}[mode]()
