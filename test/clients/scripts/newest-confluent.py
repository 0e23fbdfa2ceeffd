"""confluent-kafka-python 2.x (its wheel bundles librdkafka 2.16) from test/clients/python/venv.sh,
for the classic-protocol capabilities the KIP-848, transaction and schema-registry suites leave out.

argv[1] is a JSON spec {"bootstrap", "clientId", "prefix"}. Admin (create topics with configs,
describe topics and cluster, describe and incrementally alter configs, create partitions, list
offsets, list/describe groups, group offsets, delete topics); produce and consume under every
codec with an idempotent producer, keys, headers, CreateTime timestamps, offsets_for_times and
watermarks; seek and auto.offset.reset=error; classic consumer groups with each assignor librdkafka
ships (range, roundrobin, cooperative-sticky; two members each, commits; the range group's members
static). Prints one JSON object on stdout; the bun test (py-newest.test.ts) asserts it.
"""
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewPartitions,
                                   NewTopic, OffsetSpec, ResourceType)

spec = json.load(open(sys.argv[1]))
BOOT = spec["bootstrap"]
CID = spec["clientId"]
PFX = spec["prefix"]
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
N = 40
res = {"version": confluent_kafka.version(), "librdkafka": confluent_kafka.libversion()[0]}


def wait_all(futs):
    return {k: f.result(30) for k, f in futs.items()}


def consumer(**kw):
    base = {"bootstrap.servers": BOOT, "client.id": CID, "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100, "group.id": f"{PFX}-reader"}
    base.update(kw)
    return Consumer(base)


def rec(m):
    return {"p": m.partition(), "o": m.offset(), "k": m.key().decode() if m.key() else None,
            "v": m.value().decode() if m.value() is not None else None,
            "h": [[n, (v or b"").decode()] for n, v in (m.headers() or [])], "ts": m.timestamp()[1], "tt": m.timestamp()[0] - 1}


def read_all(c, want, deadline_s=30):
    out = []
    end = time.time() + deadline_s
    while len(out) < want and time.time() < end:
        for m in c.consume(100, 0.2):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise KafkaException(m.error())
            out.append(rec(m))
    return out


a = AdminClient({"bootstrap.servers": BOOT, "client.id": CID + "-admin"})
new = [NewTopic(f"{PFX}-{c}", 2, 1) for c in CODECS]
new += [NewTopic(f"{PFX}-groups", 6, 1), NewTopic(f"{PFX}-grow", 1, 1), NewTopic(f"{PFX}-cfg", 1, 1, config={"retention.ms": "123456789"})]
wait_all(a.create_topics(new, operation_timeout=10))
res["listTopics"] = sorted(t for t in a.list_topics(timeout=10).topics if t.startswith(PFX))
d = a.describe_topics(confluent_kafka.TopicCollection([f"{PFX}-groups"]))
res["describeTopics"] = [{"topic": t, "partitions": len(f.result(10).partitions)} for t, f in d.items()]
res["describeCluster"] = {"brokers": len(a.describe_cluster().result(10).nodes)}
cfg_res = ConfigResource(ResourceType.TOPIC, f"{PFX}-cfg")
wait_all(a.incremental_alter_configs([ConfigResource(ResourceType.TOPIC, f"{PFX}-cfg", incremental_configs=[
    ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SET)])]))
cfg = list(a.describe_configs([cfg_res]).values())[0].result(10)
res["describeConfigs"] = {k: [cfg[k].value, cfg[k].source] for k in ["retention.ms", "cleanup.policy", "segment.bytes"]}
wait_all(a.create_partitions([NewPartitions(f"{PFX}-grow", 3)], operation_timeout=10))
res["growPartitions"] = len(a.list_topics(f"{PFX}-grow", timeout=10).topics[f"{PFX}-grow"].partitions)

base_ts = int(time.time() * 1000) - 60_000
res["codecs"] = {}
for codec in CODECS:
    topic = f"{PFX}-{codec}"
    p = Producer({"bootstrap.servers": BOOT, "client.id": CID, "compression.type": codec, "enable.idempotence": True,
                  "linger.ms": 5})
    delivered = [None] * N

    def on_delivery(err, m, i):
        delivered[i] = [m.partition(), m.offset()] if err is None else str(err)

    for i in range(N):
        p.produce(topic, key=f"k{i}".encode(), value=(f"v{i}-" + "x" * (i * 50)).encode(), partition=i % 2,
                  timestamp=base_ts + i, headers=[("h", f"{codec}{i}".encode()), ("n", b"")],
                  on_delivery=lambda err, m, i=i: on_delivery(err, m, i))
    p.flush(30)
    tps = [TopicPartition(topic, 0, confluent_kafka.OFFSET_BEGINNING), TopicPartition(topic, 1, confluent_kafka.OFFSET_BEGINNING)]
    c = consumer()
    c.assign(tps)
    got = read_all(c, N)
    ot = c.offsets_for_times([TopicPartition(topic, pp, base_ts + N // 2) for pp in (0, 1)], 10)
    marks = {str(pp): list(c.get_watermark_offsets(TopicPartition(topic, pp), 10)) for pp in (0, 1)}
    c.close()
    lo = a.list_offsets({TopicPartition(topic, pp): OffsetSpec.max_timestamp() for pp in (0, 1)})
    res["codecs"][codec] = {"delivered": delivered, "records": sorted(got, key=lambda r: (r["p"], r["o"])),
                            "offsetsForTimes": {str(t.partition): t.offset for t in ot},
                            "end": {k: v[1] for k, v in marks.items()}, "begin": {k: v[0] for k, v in marks.items()},
                            "maxTimestamp": {str(tp.partition): [f.result(10).offset, f.result(10).timestamp] for tp, f in lo.items()}}

# seek; auto.offset.reset=error on an out-of-range offset
tp = TopicPartition(f"{PFX}-gzip", 0, 5)
c = consumer()
c.assign([tp])
after_seek = read_all(c, 1)[0]["o"]
c.seek(TopicPartition(f"{PFX}-gzip", 0, 12))
after_seek12 = read_all(c, 1)[0]["o"]
c.close()
c = consumer(**{"auto.offset.reset": "error"})
c.assign([TopicPartition(f"{PFX}-gzip", 0, 10_000)])
reset_error = None
end = time.time() + 15
while reset_error is None and time.time() < end:
    for m in c.consume(10, 0.2):
        if m.error():
            reset_error = m.error().name()
c.close()
res["seeks"] = {"latest": res["codecs"]["gzip"]["end"]["0"], "afterSeek5": after_seek, "afterSeek12": after_seek12, "resetError": reset_error}

# classic consumer groups
gtopic = f"{PFX}-groups"
p = Producer({"bootstrap.servers": BOOT, "client.id": CID})
for i in range(60):
    p.produce(gtopic, value=f"g{i}".encode(), partition=i % 6)
p.flush(30)
res["groups"] = {}
for assignor in ["range", "roundrobin", "cooperative-sticky"]:
    gid = f"{PFX}-g-{assignor}"
    static = assignor == "range"
    cs = []
    for i in range(2):
        conf = {"group.id": gid, "partition.assignment.strategy": assignor, "session.timeout.ms": 10000,
                "heartbeat.interval.ms": 500}
        if static:
            conf["group.instance.id"] = f"{gid}-static-{i}"
        c = consumer(**conf)
        c.subscribe([gtopic])
        cs.append(c)
    seen = [set(), set()]
    end = time.time() + 40
    assigned = [[], []]
    while time.time() < end:
        for i, c in enumerate(cs):
            ms = c.consume(100, 0.1)
            for m in ms:
                if not m.error():
                    seen[i].add((m.partition(), m.offset()))
            if ms:
                c.commit(asynchronous=False)
        assigned = [sorted(t.partition for t in c.assignment()) for c in cs]
        if assigned[0] and assigned[1] and len(set(assigned[0]) | set(assigned[1])) == 6 == len(assigned[0]) + len(assigned[1]) and len(seen[0] | seen[1]) >= 60:
            break
    g = a.describe_consumer_groups([gid])[gid].result(10)
    described = {"state": g.state.name, "protocol": g.partition_assignor,
                 "members": sorted([m.group_instance_id, sorted(t.partition for t in m.assignment.topic_partitions)] for m in g.members)}
    for c in cs:
        c.close()
    off = a.list_consumer_group_offsets([confluent_kafka.ConsumerGroupTopicPartitions(gid)])[gid].result(10)
    committed = {str(t.partition): t.offset for t in off.topic_partitions}
    res["groups"][assignor] = {"assigned": assigned, "consumed": len(seen[0] | seen[1]), "dupes": len(seen[0] & seen[1]),
                               "described": described, "committed": committed}
lg = a.list_consumer_groups().result(10)
res["listGroups"] = sorted([g.group_id, g.state.name, g.type.name if hasattr(g, "type") and g.type is not None else None]
                           for g in lg.valid if g.group_id.startswith(PFX + "-g-"))

wait_all(a.delete_topics([f"{PFX}-grow"], operation_timeout=10))
res["afterDelete"] = f"{PFX}-grow" in a.list_topics(timeout=10).topics
print(json.dumps(res), flush=True)
