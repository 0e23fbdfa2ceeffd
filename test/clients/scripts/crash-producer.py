"""Produces numbered records with acks=all until killed; prints one line per acknowledged record:
ACK <partition> <offset> <value>. Arguments: bootstrap topic max_records."""
import sys
from confluent_kafka import Producer

bootstrap, topic, max_records = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = sys.stdout


def delivered(err, msg):
    if err is None:
        out.write(f"ACK {msg.partition()} {msg.offset()} {msg.value().decode()}\n")


p = Producer({
    "bootstrap.servers": bootstrap,
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 5,
    "message.timeout.ms": 60000,
})
for i in range(max_records):
    while True:
        try:
            p.produce(topic, key=str(i % 97).encode(), value=f"record-{i:09d}".encode(), on_delivery=delivered)
            break
        except BufferError:
            p.poll(0.05)
    if i % 1000 == 0:
        p.poll(0)
        out.flush()
p.flush(30)
out.flush()
