"""kafka-python at its newest PyPI release (3.x, from test/clients/python/venv.sh) against Takhin;
also run with the newest 2.x (2.3, venv.sh requirements-kafka-python2.txt), whose admin client
answers in other shapes (the V3 branches below) and which has no cooperative-sticky assignor.

argv[1] is a JSON spec {"bootstrap", "clientId", "prefix"}. Runs every capability the client offers
and prints one JSON object on stdout with what it observed; the bun test (py-newest.test.ts) asserts
it. Nothing here decides pass or fail except an exception, which the test reports.
"""
import json
import sys
import threading
import time

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType
try:  # 3.x only; 2.x ships range, roundrobin and sticky
    from kafka.coordinator.assignors.cooperative_sticky import CooperativeStickyAssignor
except ImportError:
    CooperativeStickyAssignor = None
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor

spec = json.load(open(sys.argv[1]))
BOOT = spec["bootstrap"]
CID = spec["clientId"]
PFX = spec["prefix"]
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
N = 40
res = {"version": kafka.__version__}
V3 = not kafka.__version__.startswith("2.")


def jsonable(x):
    try:
        json.dumps(x)
        return x
    except TypeError:
        return repr(x)


def admin():
    return KafkaAdminClient(bootstrap_servers=BOOT, client_id=CID + "-admin", request_timeout_ms=15000)


def consumer(**kw):
    base = dict(bootstrap_servers=BOOT, client_id=CID, enable_auto_commit=False, auto_offset_reset="earliest",
                fetch_max_wait_ms=100, request_timeout_ms=30000)
    base.update(kw)
    return KafkaConsumer(**base)


def read_all(c, tps, want, deadline_s=30):
    """Polls an assigned consumer until `want` records arrived (or the deadline)."""
    out = []
    end = time.time() + deadline_s
    while len(out) < want and time.time() < end:
        for _tp, msgs in c.poll(timeout_ms=200).items():
            for m in msgs:
                out.append({"p": m.partition, "o": m.offset, "k": m.key.decode() if m.key else None,
                            "v": m.value.decode() if m.value is not None else None,
                            "h": [[n, v.decode()] for n, v in (m.headers or [])], "ts": m.timestamp, "tt": m.timestamp_type})
    return out


a = admin()
# --- admin: create topics, metadata, describe configs, create partitions
topics = {f"{PFX}-{c}": {"num_partitions": 2, "replication_factor": 1} for c in CODECS}
topics[f"{PFX}-groups"] = {"num_partitions": 6, "replication_factor": 1}
topics[f"{PFX}-txn"] = {"num_partitions": 1, "replication_factor": 1}
topics[f"{PFX}-cfg"] = {"num_partitions": 1, "replication_factor": 1, "configs": {"retention.ms": "123456789"}}
topics[f"{PFX}-grow"] = {"num_partitions": 1, "replication_factor": 1}
if V3:
    a.create_topics(topics, wait_for_metadata=True)
else:
    from kafka.admin import NewPartitions, NewTopic
    a.create_topics([NewTopic(n, t["num_partitions"], t["replication_factor"], topic_configs=t.get("configs", {})) for n, t in topics.items()])
res["listTopics"] = sorted(t for t in a.list_topics() if t.startswith(PFX))
desc = a.describe_topics([f"{PFX}-groups"])
res["describeTopics"] = [{"topic": d["name"] if V3 else d["topic"], "partitions": len(d["partitions"])} for d in desc]
if V3:
    cfg = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, f"{PFX}-cfg")], config_filter="all")
    res["describeConfigs"] = {k: cfg["topic"][f"{PFX}-cfg"][k] for k in ["retention.ms", "cleanup.policy"]}
    a.create_partitions({f"{PFX}-grow": 3})
else:
    cfg = {}
    for resp in a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, f"{PFX}-cfg")]):
        for r in resp.to_object()["resources"]:
            for e in r["config_entries"]:
                cfg[e["config_names"]] = e
    res["describeConfigs"] = {k: {"value": cfg[k]["config_value"], "config_source": {1: "DYNAMIC_TOPIC_CONFIG", 5: "DEFAULT_CONFIG"}.get(cfg[k]["config_source"], cfg[k]["config_source"])}
                              for k in ["retention.ms", "cleanup.policy"]}
    a.create_partitions({f"{PFX}-grow": NewPartitions(3)})
res["growPartitions"] = len(a.describe_topics([f"{PFX}-grow"])[0]["partitions"])

# --- produce every codec (idempotent by default in 3.x), headers, explicit timestamps; read back
base_ts = int(time.time() * 1000) - 60_000
res["codecs"] = {}
for codec in CODECS:
    topic = f"{PFX}-{codec}"
    p = KafkaProducer(bootstrap_servers=BOOT, client_id=CID, compression_type=None if codec == "none" else codec,
                      enable_idempotence=True, acks="all", linger_ms=5)
    futs = [p.send(topic, key=f"k{i}".encode(), value=(f"v{i}-" + "x" * (i * 50)).encode(), partition=i % 2,
                   timestamp_ms=base_ts + i, headers=[("h", f"{codec}{i}".encode()), ("n", b"")]) for i in range(N)]
    p.flush(30)
    delivered = [[f.get(10).partition, f.get(10).offset] for f in futs]
    p.close(5)
    c = consumer(group_id=None)
    tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    got = read_all(c, tps, N)
    # ListOffsets by time: first offset with ts >= base_ts + N/2 on each partition.
    ot = c.offsets_for_times({tp: base_ts + N // 2 for tp in tps})
    ends = c.end_offsets(tps)
    begins = c.beginning_offsets(tps)
    c.close()
    res["codecs"][codec] = {"delivered": delivered, "records": sorted(got, key=lambda r: (r["p"], r["o"])),
                            "offsetsForTimes": {str(tp.partition): ot[tp].offset for tp in tps},
                            "end": {str(tp.partition): ends[tp] for tp in tps},
                            "begin": {str(tp.partition): begins[tp] for tp in tps}}

# --- seek and offset resets on the gzip topic
topic = f"{PFX}-gzip"
tp = TopicPartition(topic, 0)
c = consumer(group_id=None, auto_offset_reset="latest")
c.assign([tp])
latest_pos = c.position(tp)
c.seek(tp, 5)
first_after_seek = read_all(c, [tp], 1)[0]["o"]
c.close()
c = consumer(group_id=None, auto_offset_reset="none")
c.assign([tp])
try:
    c.position(tp)
    reset_none = "no error"
except Exception as e:  # noqa: BLE001 - the observed error is the result
    reset_none = type(e).__name__
c.close()
res["seeks"] = {"latest": latest_pos, "afterSeek5": first_after_seek, "resetNone": reset_none}

# --- consumer groups: every assignor, two members each, commits; static membership
gtopic = f"{PFX}-groups"
p = KafkaProducer(bootstrap_servers=BOOT, client_id=CID)
for i in range(60):
    p.send(gtopic, value=f"g{i}".encode(), partition=i % 6)
p.flush(30)
p.close(5)
res["groups"] = {}
for assignor in [x for x in [RangePartitionAssignor, RoundRobinPartitionAssignor, StickyPartitionAssignor, CooperativeStickyAssignor] if x]:
    gid = f"{PFX}-g-{assignor.name}"
    stop = threading.Event()
    seen = [[], []]
    assigned = [None, None]
    errors = []

    def member(i, gid=gid, assignor=assignor):
        try:
            c = consumer(group_id=gid, partition_assignment_strategy=[assignor], session_timeout_ms=10000,
                         heartbeat_interval_ms=500, group_instance_id=f"{gid}-static-{i}" if assignor is RangePartitionAssignor else None)
            c.subscribe([gtopic])
            while not stop.is_set():
                for _tp, msgs in c.poll(timeout_ms=200).items():
                    seen[i].extend((m.partition, m.offset) for m in msgs)
                assigned[i] = sorted(t.partition for t in c.assignment())
                if seen[i]:
                    c.commit()
            c.commit()
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    ts = [threading.Thread(target=member, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    end = time.time() + 40
    settled = None
    while time.time() < end:
        now = [list(assigned[0] or []), list(assigned[1] or [])]
        if (now[0] and now[1] and len(set(now[0]) | set(now[1])) == 6 == len(now[0]) + len(now[1])
                and len(set(seen[0]) | set(seen[1])) >= 60):
            settled = now
            break
        time.sleep(0.2)
    # The assignment as the members held it once it was complete and disjoint; a later rebalance
    # (while the group is described below) changes a member's view while the other's is stale.
    rebalanced_after = None
    # While both members are in, describe the group.
    try:
        if not V3:
            g = a.describe_consumer_groups([gid])[0]
            g = {"group_state": g.state, "protocol_type": g.protocol_type, "protocol_data": g.protocol,
                 "members": [{"group_instance_id": getattr(m, "group_instance_id", None),
                              "member_assignment": {"assigned_partitions": [{"partitions": ps} for _t, ps in m.member_assignment.assignment]}}
                             for m in g.members]}
        else:
            g = a.describe_groups([gid])[gid]
        described = {"state": g["group_state"], "protocolType": g["protocol_type"], "protocol": g["protocol_data"],
                     "members": sorted([m["group_instance_id"], sorted(p for t in m["member_assignment"]["assigned_partitions"]
                                                                      for p in t["partitions"])] for m in g["members"])}
    except Exception as e:  # noqa: BLE001
        described = "error: " + repr(e)
    stop.set()
    for t in ts:
        t.join(30)
    offs = a.list_group_offsets({gid: None})[gid] if V3 else a.list_consumer_group_offsets(gid)
    committed = {str(tp.partition): om.offset for tp, om in offs.items()}
    rebalanced_after = settled is not None and [list(assigned[0] or []), list(assigned[1] or [])] != settled
    res["groups"][assignor.name] = {"assigned": settled if settled is not None else assigned, "rebalancedAfter": rebalanced_after,
                                    "consumed": len(set(seen[0]) | set(seen[1])),
                                    "dupes": len(seen[0]) + len(seen[1]) - len(set(seen[0]) | set(seen[1])),
                                    "errors": errors, "described": described, "committed": committed}
if V3:
    res["listGroups"] = sorted([g["group_id"], g["protocol_type"], g["group_type"]] for g in a.list_groups() if g["group_id"].startswith(PFX))
else:
    res["listGroups"] = sorted([g[0], g[1], "classic"] for g in a.list_consumer_groups() if g[0].startswith(PFX))

# --- transactions: a committed and an aborted transaction, read read_committed
ttopic = f"{PFX}-txn"
p = KafkaProducer(bootstrap_servers=BOOT, client_id=CID, transactional_id=f"{PFX}-tx")
p.init_transactions()
p.begin_transaction()
for i in range(5):
    p.send(ttopic, value=f"commit{i}".encode(), partition=0)
p.commit_transaction()
p.begin_transaction()
for i in range(3):
    p.send(ttopic, value=f"abort{i}".encode(), partition=0)
p.flush(10)
p.abort_transaction()
p.close(5)
tp = TopicPartition(ttopic, 0)
out = {}
for iso in ["read_committed", "read_uncommitted"]:
    c = consumer(group_id=None, isolation_level=iso)
    c.assign([tp])
    c.seek_to_beginning(tp)
    out[iso] = [r["v"] for r in read_all(c, [tp], 8, deadline_s=5)]
    c.close()
res["txn"] = out
try:
    if not V3:
        raise NotImplementedError("kafka-python 2.x has no list_transactions")
    res["listTransactions"] = sorted([t[0], t[2]] for ts in a.list_transactions().values() for t in ts if t[0].startswith(PFX))
except Exception as e:  # noqa: BLE001
    res["listTransactions"] = "error: " + repr(e)

# --- delete topics
a.delete_topics([f"{PFX}-grow"])
res["afterDelete"] = f"{PFX}-grow" in a.list_topics()
a.close()
print(json.dumps(res), flush=True)
