"""confluent-kafka-python 1.7.0 AdminClient.list_groups against Takhin: a consumer of `group` reads the topic
and commits; list_groups (all and by name) shows it Stable with one member; after the consumer closes it is
Empty with no members. argv: bootstrap, topic, group, total. Prints one JSON object on stdout."""
import json
import sys
import time

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient

bootstrap, topic, group, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
deadline = time.time() + 45
admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "takhin-groups-admin-confluent"})
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": "takhin-groups-admin-confluent-consumer",
              "auto.offset.reset": "earliest", "enable.auto.commit": False, "session.timeout.ms": 6000,
              "heartbeat.interval.ms": 300})
c.subscribe([topic])
read = 0
while read < total and time.time() < deadline:
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    read += 1
c.commit(asynchronous=False)


def describe(g):
    return {"id": g.id, "state": g.state, "protocol_type": g.protocol_type, "protocol": g.protocol,
            "members": [{"client_id": m.client_id, "assignment_bytes": len(m.assignment or b"")} for m in g.members],
            "error": None if g.error is None else str(g.error)}


out = {"client": "confluent-kafka-python", "read": read}
out["all"] = [describe(g) for g in admin.list_groups(timeout=10) if g.id == group]
out["running"] = [describe(g) for g in admin.list_groups(group, timeout=10)]
c.close()
out["closed"] = [describe(g) for g in admin.list_groups(group, timeout=10)]
print(json.dumps(out))
