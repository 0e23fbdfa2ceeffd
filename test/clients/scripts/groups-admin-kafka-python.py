"""kafka-python 2.0.2 KafkaAdminClient group APIs against Takhin: a consumer of `group` reads the topic and
commits; list_consumer_groups, describe_consumer_groups (Stable, one member) and list_consumer_group_offsets
(every partition at the end); after the consumer closes, describe_consumer_groups shows Empty.
argv: bootstrap, topic, group, total. Prints one JSON object on stdout."""
import json
import sys
import time

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient

bootstrap, topic, group, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
deadline = time.time() + 45
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="takhin-groups-admin-kafka-python")
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id="takhin-groups-admin-kafka-python-consumer",
                  auto_offset_reset="earliest", enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=300)
read = 0
while read < total and time.time() < deadline:
    for tp, msgs in c.poll(timeout_ms=200).items():
        read += len(msgs)
c.commit()


def describe():
    g = admin.describe_consumer_groups([group])[0]
    return {"error_code": g.error_code, "group": g.group, "state": g.state, "protocol_type": g.protocol_type,
            "protocol": g.protocol,
            "members": [{"client_id": m.client_id, "topics": sorted(m.member_metadata.subscription),
                         "partitions": sorted(p for t, ps in m.member_assignment.assignment for p in ps)} for m in g.members]}


out = {"client": "kafka-python", "read": read}
out["listed"] = [list(x) for x in admin.list_consumer_groups() if x[0] == group]
out["running"] = describe()
out["offsets"] = sorted([tp.partition, om.offset] for tp, om in admin.list_consumer_group_offsets(group).items() if tp.topic == topic)
c.close()
out["closed"] = describe()
out["offsetsAfterClose"] = sorted([tp.partition, om.offset] for tp, om in admin.list_consumer_group_offsets(group).items() if tp.topic == topic)
admin.close()
print(json.dumps(out))
