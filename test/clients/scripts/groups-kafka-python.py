"""kafka-python 2.0.2 KafkaConsumer groups against Takhin: 3 consumers in one group read every record of a
6-partition topic (committing synchronously), then one closes (LeaveGroup) and the other two must own
every partition. argv: bootstrap, topic, group, total. Prints one JSON object on stdout."""
import json
import sys
import threading
import time

from kafka import KafkaConsumer

bootstrap, topic, group, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
deadline = time.time() + 45


def consumer(i):
    return KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id="takhin-groups-kafka-python-%d" % i,
                         auto_offset_reset="earliest", enable_auto_commit=False, session_timeout_ms=6000,
                         heartbeat_interval_ms=300, request_timeout_ms=30000, max_poll_interval_ms=30000)


def parts(c):
    return sorted(tp.partition for tp in c.assignment())


# kafka-python's poll() blocks while its member rejoins, so each consumer runs in its own thread.
seen = {}
lock = threading.Lock()
stop = [threading.Event() for _ in range(3)]
cs = [consumer(i) for i in range(3)]


def run(i):
    c = cs[i]
    while not stop[i].is_set() and time.time() < deadline:
        batch = c.poll(timeout_ms=100)
        for tp, msgs in batch.items():
            for m in msgs:
                key = "%d:%d" % (m.partition, m.offset)
                with lock:
                    seen[key] = seen.get(key, 0) + 1
        if batch:
            c.commit()
    c.close()


threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(3)]
for t in threads:
    t.start()
while time.time() < deadline:
    if len(seen) >= total and all(len(parts(c)) == 2 for c in cs):
        break
    time.sleep(0.05)
out = {"client": "kafka-python", "assignments": [parts(c) for c in cs], "distinct": len(seen), "duplicates": sum(n - 1 for n in seen.values())}
stop[0].set()
threads[0].join(20)
while time.time() < deadline:
    if sorted(p for c in cs[1:] for p in parts(c)) == list(range(6)):
        break
    time.sleep(0.05)
out["afterLeave"] = [parts(c) for c in cs[1:]]
print(json.dumps(out), flush=True)
for i in (1, 2):
    stop[i].set()
for t in threads[1:]:
    t.join(20)
