"""Reads partition 0 of a topic from its beginning with confluent-kafka-python, for
test/tiered/tiered-clients.test.ts; prints "offset\tkey\tvalue\theader-h" per record (values are
printable ASCII there). Exits 0 after <count> records, 2 on the timeout.

    tiered-read-confluent.py <bootstrap> <topic> <count> <timeoutMs>
"""
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

bootstrap, topic, count, timeout_ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
deadline = time.time() + timeout_ms / 1000
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "tiered-py", "enable.auto.commit": False, "max.partition.fetch.bytes": 262144})
c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
out = []
while len(out) < count and time.time() < deadline:
    m = c.poll(0.2)
    if m is None:
        continue
    if m.error():
        continue  # retriable errors are retried by librdkafka; the loop keeps polling
    headers = dict(m.headers() or [])
    out.append("%d\t%s\t%s\t%s" % (m.offset(), m.key().decode("latin-1"), m.value().decode("latin-1"), headers.get("h", b"").decode("latin-1")))
c.close()
sys.stdout.write("".join(line + "\n" for line in out))
sys.exit(0 if len(out) >= count else 2)
