"""librdkafka (confluent-kafka-python) producers writing a known sequence, for the history checker.

argv[1] is a JSON spec:
  {"bootstrap", "topic", "producers": [{"name", "partition"}], "records": N, "intervalMs",
   "idempotent": bool, "deliveryTimeoutMs", "clientId"}
Every producer is its own librdkafka Producer (its own producer id when idempotent), acks=all,
sending records seq 0..N-1 to its partition with value "<name>#<seq>" (history-checker.ts valueOf),
one record per producer every intervalMs. Prints one JSON line per event on stdout, as it happens:
  {"e": "send", "n": name, "p": partition, "s": seq}
  {"e": "ack",  "n": name, "p": partition, "s": seq, "o": offset}
  {"e": "fail", "n": name, "p": partition, "s": seq, "err": "..."}
and last {"e": "done", "version": ..., "librdkafka": ...}. Without idempotence retries are off,
which does not make a record written at most once: librdkafka sends messages answered
NOT_LEADER_OR_FOLLOWER again to the new leader without counting a retry (it takes that error as
"not persisted"), and a leader that appended them and lost its leadership while acks=all waited
answers exactly that; see replication-faults.test.ts.
"""
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Producer

spec = json.load(open(sys.argv[1]))
idempotent = bool(spec.get("idempotent", True))
delivery_ms = int(spec.get("deliveryTimeoutMs", 60000))


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def make(name):
    conf = {
        "bootstrap.servers": spec["bootstrap"],
        "client.id": "%s-%s" % (spec.get("clientId", "history"), name),
        "acks": "all",
        "linger.ms": 2,
        "message.timeout.ms": delivery_ms,
        "request.timeout.ms": 5000,
        "socket.timeout.ms": 5000,
        "reconnect.backoff.max.ms": 500,
        "topic.metadata.refresh.interval.ms": 1000,
        "retry.backoff.ms": 100,
    }
    if idempotent:
        conf["enable.idempotence"] = True
    else:
        conf["enable.idempotence"] = False
        conf["retries"] = 0
        conf["max.in.flight.requests.per.connection"] = 1
    return Producer(conf)


producers = [(p["name"], int(p["partition"]), make(p["name"])) for p in spec["producers"]]


def callback(name, partition, seq):
    def on_delivery(err, msg):
        if err is not None:
            emit({"e": "fail", "n": name, "p": partition, "s": seq, "err": str(err)})
        else:
            emit({"e": "ack", "n": name, "p": msg.partition(), "s": seq, "o": msg.offset()})

    return on_delivery


interval = float(spec.get("intervalMs", 20)) / 1000.0
for seq in range(int(spec["records"])):
    for name, partition, prod in producers:
        value = "%s#%d" % (name, seq)
        while True:
            try:
                prod.produce(spec["topic"], value=value.encode(), partition=partition, on_delivery=callback(name, partition, seq))
                break
            except BufferError:
                prod.poll(0.05)
        emit({"e": "send", "n": name, "p": partition, "s": seq})
        prod.poll(0)
    time.sleep(interval)

deadline = time.time() + delivery_ms / 1000.0 + 10
for name, partition, prod in producers:
    prod.flush(max(1.0, deadline - time.time()))
emit({"e": "done", "version": confluent_kafka.version()[0], "librdkafka": confluent_kafka.libversion()[0]})
