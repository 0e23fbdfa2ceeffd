"""An idempotent confluent_kafka (librdkafka) producer: argv = bootstrap topic count.
Produces `count` values "v-<i>" keyed by themselves to partition i % partitions, flushes, and
prints one JSON line: {"delivered": n, "errors": [...]} (the test reads the topic back)."""
import json
import sys

from confluent_kafka import Producer

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
errors = []
delivered = [0]


def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered[0] += 1


p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "linger.ms": 5, "message.timeout.ms": 60000})
for i in range(count):
    v = f"v-{i}".encode()
    while True:
        try:
            p.produce(topic, key=v, value=v, on_delivery=on_delivery)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
left = p.flush(60)
print(json.dumps({"delivered": delivered[0], "errors": errors[:20], "left": left}))
