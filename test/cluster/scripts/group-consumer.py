"""A confluent_kafka (librdkafka) group consumer: argv = bootstrap topic group idle_s max_s.
Subscribes, consumes in batches and commits each batch synchronously; stops once nothing new came
for idle_s seconds after the first record (or after max_s), closes (leaving the group) and prints
one JSON line: {"values": [...], "commitErrors": [...], "errors": [...]}."""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException

bootstrap, topic, group, idle_s, max_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 500,
})
c.subscribe([topic])
values, commit_errors, errors = [], [], []
start = time.monotonic()
last = None
while True:
    now = time.monotonic()
    if now - start > max_s or (last is not None and now - last > idle_s):
        break
    msgs = c.consume(num_messages=200, timeout=0.5)
    got = False
    for m in msgs:
        if m.error():
            errors.append(str(m.error()))
            continue
        values.append(m.value().decode())
        got = True
    if got:
        last = time.monotonic()
        for attempt in range(20):
            try:
                c.commit(asynchronous=False)
                break
            except KafkaException as e:
                commit_errors.append(str(e))
                time.sleep(0.2)
c.close()
print(json.dumps({"values": values, "commitErrors": commit_errors[:20], "errors": errors[:20]}))
