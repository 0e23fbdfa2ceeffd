"""confluent-kafka-python (librdkafka) consumer groups against Takhin.
argv: bootstrap, mode, topic, group, assignor, total records.
Modes:
  three   3 consumers in one group read every record (committing each), then one leaves and the
          other two must own every partition.
  static  a static member (group.instance.id) is closed and restarted within its session timeout.
  crash   commits the first half, then exits without closing (a crash); run again with mode
          "resume" to read what the group had not committed.
Prints one JSON object on stdout."""
import json
import os
import sys
import time

from confluent_kafka import Consumer

bootstrap, mode, topic, group, assignor, total = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
DEADLINE = time.time() + 45


def consumer(i, extra=None):
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": "takhin-groups-confluent-%d" % i,
        "partition.assignment.strategy": assignor,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 300,
        "topic.metadata.refresh.interval.ms": 1000,
    }
    conf.update(extra or {})
    c = Consumer(conf)
    c.subscribe([topic])
    return c


def parts(c):
    return sorted(tp.partition for tp in c.assignment())


out = {"client": "confluent-kafka-python", "mode": mode, "assignor": assignor}

if mode == "three":
    cs = [consumer(i) for i in range(3)]
    seen = {}
    while time.time() < DEADLINE:
        for c in cs:
            m = c.poll(0.05)
            if m is not None and not m.error():
                key = "%d:%d" % (m.partition(), m.offset())
                seen[key] = seen.get(key, 0) + 1
                c.commit(message=m, asynchronous=False)
        if len(seen) >= total and all(len(parts(c)) == 2 for c in cs):
            break
    out["assignments"] = [parts(c) for c in cs]
    out["distinct"] = len(seen)
    out["duplicates"] = sum(n - 1 for n in seen.values())
    cs[0].close()
    rest = cs[1:]
    while time.time() < DEADLINE:
        for c in rest:
            c.poll(0.05)
        owned = [p for c in rest for p in parts(c)]
        if sorted(owned) == list(range(6)):
            break
    out["afterLeave"] = [parts(c) for c in rest]
    for c in rest:
        c.close()
elif mode == "static":
    extra = {"group.instance.id": "static-confluent"}
    c = consumer(0, extra)
    while time.time() < DEADLINE and not c.assignment():
        c.poll(0.1)
    out["first"] = parts(c)
    c.close()  # a static member sends no LeaveGroup
    c = consumer(1, extra)
    while time.time() < DEADLINE and not c.assignment():
        c.poll(0.1)
    out["second"] = parts(c)
    c.close()
elif mode in ("crash", "resume"):
    c = consumer(0)
    got = []
    limit = total // 2 if mode == "crash" else total
    while time.time() < DEADLINE and len(got) < limit:
        m = c.poll(0.1)
        if m is not None and not m.error():
            got.append(m.offset())
            if mode == "crash":
                c.commit(message=m, asynchronous=False)
        elif mode == "resume" and got and m is None and len(got) >= total - total // 2:
            break
    out["offsets"] = got
    print(json.dumps(out), flush=True)
    if mode == "crash":
        os._exit(0)  # no close: no LeaveGroup, no final commit
    c.close()
    sys.exit(0)

print(json.dumps(out), flush=True)
