"""confluent-kafka-python (librdkafka): one consumer whose topic metadata changes under it.
argv: bootstrap, mode, group, phase deadline in seconds.
Modes (the topics named here exist before the script starts, created by the test):
  regex    subscribes to "^<group>-.*" (topics <group>-a with 2 partitions, <group>-b with 1); then
           creates <group>-c (the regex picks up a new topic), adds a partition to <group>-a
           (CreatePartitions on a subscribed topic) and deletes <group>-b (a subscribed topic deleted).
  literal  subscribes to the names <group>-a and <group>-b, then adds a partition to <group>-a and
           deletes <group>-b.
Each change must reach the consumer as a new assignment. The rebalance timeout (librdkafka's
max.poll.interval.ms) is 5 minutes, so a broker that held the re-join until the rebalance timeout
would leave a phase waiting far past its deadline: the phase then reports ok false.
Prints one JSON object on stdout: per phase the assignment seen and whether it arrived in time."""
import json
import os
import sys
import threading
import time

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

bootstrap, mode, group, phase_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
REBALANCE_TIMEOUT_MS = 300000

admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "takhin-rebalance-admin"})
c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "client.id": "takhin-rebalance-confluent",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 300,
    "max.poll.interval.ms": REBALANCE_TIMEOUT_MS,
    "topic.metadata.refresh.interval.ms": 500,
    **({"debug": os.environ["TAKHIN_RDKAFKA_DEBUG"]} if os.environ.get("TAKHIN_RDKAFKA_DEBUG") else {}),
})
events = []
c.subscribe(["^%s-.*" % group] if mode == "regex" else ["%s-a" % group, "%s-b" % group],
            on_assign=lambda _c, ps: events.append(("assign", len(ps))),
            on_revoke=lambda _c, ps: events.append(("revoke", len(ps))))


def assignment():
    return sorted("%s:%d" % (tp.topic, tp.partition) for tp in c.assignment())


def wait_for(expected):
    """Polls until the assignment is `expected` or the phase deadline passes."""
    sys.stderr.write("%.3f waiting for %s\n" % (time.time(), expected))
    started = time.time()
    while time.time() - started < phase_s:
        c.poll(0.1)
        if assignment() == expected:
            return {"ok": True, "assignment": assignment(), "seconds": round(time.time() - started, 2)}
    sys.stderr.write("phase timed out with assignment %s, expected %s\n" % (assignment(), expected))
    return {"ok": False, "assignment": assignment(), "seconds": round(time.time() - started, 2)}


def names(*tps):
    return sorted("%s-%s" % (group, tp) for tp in tps)


out = {"client": "confluent-kafka-python", "mode": mode, "phases": {}}
phases = out["phases"]
phases["initial"] = wait_for(names("a:0", "a:1", "b:0"))
if mode == "regex":
    admin.create_topics([NewTopic("%s-c" % group, 1, 1)])["%s-c" % group].result(10)
    phases["newTopic"] = wait_for(names("a:0", "a:1", "b:0", "c:0"))
    admin.create_partitions([NewPartitions("%s-a" % group, 3)])["%s-a" % group].result(10)
    phases["addPartitions"] = wait_for(names("a:0", "a:1", "a:2", "b:0", "c:0"))
    admin.delete_topics(["%s-b" % group])["%s-b" % group].result(10)
    phases["topicDeleted"] = wait_for(names("a:0", "a:1", "a:2", "c:0"))
else:
    admin.create_partitions([NewPartitions("%s-a" % group, 3)])["%s-a" % group].result(10)
    phases["addPartitions"] = wait_for(names("a:0", "a:1", "a:2", "b:0"))
    admin.delete_topics(["%s-b" % group])["%s-b" % group].result(10)
    phases["topicDeleted"] = wait_for(names("a:0", "a:1", "a:2"))
out["events"] = events
print(json.dumps(out), flush=True)
# librdkafka 2.0.2 can hang in rd_kafka_destroy after a subscribed topic was deleted (the consumer
# itself closes: its LeaveGroup is answered). Close in a thread, bounded, and exit regardless.
closer = threading.Thread(target=c.close, daemon=True)
closer.start()
closer.join(10)
sys.stdout.flush()
os._exit(0)
