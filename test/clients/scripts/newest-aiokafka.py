"""aiokafka at its newest PyPI release (from test/clients/python/venv.sh) against Takhin.

argv[1] is a JSON spec {"bootstrap", "clientId", "prefix"}. Runs every capability the client offers
(its admin client, producer with each codec — cramjam provides snappy, lz4 and zstd —, idempotence,
transactions with send_offsets_to_transaction, consumer groups with its three assignors and static
membership, commits, seeks, offset resets) and prints one JSON object on stdout with what it
observed; the bun test (py-newest.test.ts) asserts it.
"""
import asyncio
import json
import sys
import time

import aiokafka
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from aiokafka.errors import OffsetOutOfRangeError

spec = json.load(open(sys.argv[1]))
BOOT = spec["bootstrap"]
CID = spec["clientId"]
PFX = spec["prefix"]
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
N = 40
res = {"version": aiokafka.__version__}


def consumer(*topics, **kw):
    base = dict(bootstrap_servers=BOOT, client_id=CID, enable_auto_commit=False, auto_offset_reset="earliest",
                fetch_max_wait_ms=100, request_timeout_ms=30000)
    base.update(kw)
    return AIOKafkaConsumer(*topics, **base)


async def read_all(c, want, deadline_s=30):
    out = []
    end = time.time() + deadline_s
    while len(out) < want and time.time() < end:
        for _tp, msgs in (await c.getmany(timeout_ms=200)).items():
            for m in msgs:
                out.append({"p": m.partition, "o": m.offset, "k": m.key.decode() if m.key else None,
                            "v": m.value.decode() if m.value is not None else None,
                            "h": [[n, v.decode()] for n, v in (m.headers or [])], "ts": m.timestamp, "tt": m.timestamp_type})
    return out


async def admin_part(a):
    new = [NewTopic(f"{PFX}-{c}", 2, 1) for c in CODECS]
    new += [NewTopic(f"{PFX}-groups", 6, 1), NewTopic(f"{PFX}-txn-in", 1, 1), NewTopic(f"{PFX}-txn-out", 1, 1),
            NewTopic(f"{PFX}-grow", 1, 1), NewTopic(f"{PFX}-cfg", 1, 1, topic_configs={"retention.ms": "123456789"})]
    r = await a.create_topics(new)
    res["createTopics"] = sorted([t[0], t[1]] for t in r.topic_errors)
    res["listTopics"] = sorted(t for t in await a.list_topics() if t.startswith(PFX))
    d = await a.describe_topics([f"{PFX}-groups"])
    res["describeTopics"] = [{"topic": t["topic"], "partitions": len(t["partitions"])} for t in d]
    cfgs = await a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, f"{PFX}-cfg", {"retention.ms": None})])
    entries = {}
    for resp in cfgs:
        for _err, _msg, _rtype, _rname, configs in resp.resources:
            for cfg in configs:
                entries[cfg[0]] = cfg[1]
    res["describeConfigs"] = entries
    await a.create_partitions({f"{PFX}-grow": NewPartitions(3)})
    res["growPartitions"] = len((await a.describe_topics([f"{PFX}-grow"]))[0]["partitions"])
    res["describeCluster"] = {"brokers": len((await a.describe_cluster())["brokers"])}


async def codecs_part():
    base_ts = int(time.time() * 1000) - 60_000
    res["codecs"] = {}
    for codec in CODECS:
        topic = f"{PFX}-{codec}"
        p = AIOKafkaProducer(bootstrap_servers=BOOT, client_id=CID, compression_type=None if codec == "none" else codec,
                             enable_idempotence=True, acks="all", linger_ms=5)
        await p.start()
        futs = [await p.send(topic, key=f"k{i}".encode(), value=(f"v{i}-" + "x" * (i * 50)).encode(), partition=i % 2,
                             timestamp_ms=base_ts + i, headers=[("h", f"{codec}{i}".encode()), ("n", b"")]) for i in range(N)]
        mds = [await f for f in futs]
        await p.stop()
        tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
        c = consumer()
        await c.start()
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        got = await read_all(c, N)
        ot = await c.offsets_for_times({tp: base_ts + N // 2 for tp in tps})
        ends = await c.end_offsets(tps)
        begins = await c.beginning_offsets(tps)
        await c.stop()
        res["codecs"][codec] = {"delivered": [[m.partition, m.offset] for m in mds],
                                "records": sorted(got, key=lambda r: (r["p"], r["o"])),
                                "offsetsForTimes": {str(tp.partition): ot[tp].offset for tp in tps},
                                "end": {str(tp.partition): ends[tp] for tp in tps},
                                "begin": {str(tp.partition): begins[tp] for tp in tps}}


async def seeks_part():
    tp = TopicPartition(f"{PFX}-gzip", 0)
    c = consumer(auto_offset_reset="latest")
    await c.start()
    c.assign([tp])
    latest = await c.position(tp)
    c.seek(tp, 5)
    after_seek = (await read_all(c, 1))[0]["o"]
    await c.seek_to_end(tp)
    end_pos = await c.position(tp)
    await c.stop()
    c = consumer(auto_offset_reset="none")
    await c.start()
    c.assign([tp])
    c.seek(tp, 10_000)  # past the end: auto_offset_reset=none surfaces the error
    try:
        await c.getmany(tp, timeout_ms=5000)
        await c.getmany(tp, timeout_ms=5000)
        reset_none = "no error"
    except OffsetOutOfRangeError:
        reset_none = "OffsetOutOfRangeError"
    await c.stop()
    res["seeks"] = {"latest": latest, "afterSeek5": after_seek, "seekToEnd": end_pos, "resetNone": reset_none}


async def groups_part(a):
    gtopic = f"{PFX}-groups"
    p = AIOKafkaProducer(bootstrap_servers=BOOT, client_id=CID)
    await p.start()
    for i in range(60):
        await p.send(gtopic, value=f"g{i}".encode(), partition=i % 6)
    await p.stop()
    res["groups"] = {}
    for assignor in [RangePartitionAssignor, RoundRobinPartitionAssignor, StickyPartitionAssignor]:
        gid = f"{PFX}-g-{assignor.name}"
        static = assignor is RangePartitionAssignor
        cs = [consumer(gtopic, group_id=gid, partition_assignment_strategy=(assignor,), session_timeout_ms=10000,
                       heartbeat_interval_ms=500, group_instance_id=f"{gid}-static-{i}" if static else None) for i in range(2)]
        for c in cs:
            await c.start()
        seen = [set(), set()]
        stop = asyncio.Event()

        async def run(i):
            while not stop.is_set():
                got = await cs[i].getmany(timeout_ms=200)
                for _tp, msgs in got.items():
                    seen[i].update((m.partition, m.offset) for m in msgs)
                if got:
                    await cs[i].commit()

        tasks = [asyncio.create_task(run(i)) for i in range(2)]
        end = time.time() + 40
        assigned = [[], []]
        while time.time() < end:
            assigned = [sorted(t.partition for t in c.assignment()) for c in cs]
            if assigned[0] and assigned[1] and len(set(assigned[0]) | set(assigned[1])) == 6 == len(assigned[0]) + len(assigned[1]) and len(seen[0] | seen[1]) >= 60:
                break
            await asyncio.sleep(0.2)
        described = None
        for resp in await a.describe_consumer_groups([gid]):
            for g in resp.to_object()["groups"]:
                described = {"state": g["state"], "protocolType": g["protocol_type"], "protocol": g["protocol"],
                             "members": sorted(m.get("group_instance_id") or "" for m in g["members"])}
        stop.set()
        await asyncio.gather(*tasks)
        for c in cs:
            await c.stop()
        committed = {str(tp.partition): om.offset for tp, om in (await a.list_consumer_group_offsets(gid)).items()}
        res["groups"][assignor.name] = {"assigned": assigned, "consumed": len(seen[0] | seen[1]),
                                        "dupes": len(seen[0] & seen[1]), "described": described, "committed": committed}
    res["listGroups"] = sorted([g[0], g[1]] for g in await a.list_consumer_groups() if g[0].startswith(PFX))


async def txn_part():
    tin, tout = f"{PFX}-txn-in", f"{PFX}-txn-out"
    gid = f"{PFX}-txn-group"
    p = AIOKafkaProducer(bootstrap_servers=BOOT, client_id=CID)
    await p.start()
    for i in range(10):
        await p.send_and_wait(tin, value=f"in{i}".encode(), partition=0)
    await p.stop()
    tx = AIOKafkaProducer(bootstrap_servers=BOOT, client_id=CID, transactional_id=f"{PFX}-tx")
    await tx.start()
    c = consumer(tin, group_id=gid, isolation_level="read_committed")
    await c.start()
    got = await read_all(c, 10)
    tp_in = TopicPartition(tin, 0)
    # Consume-transform-produce: the first 6 inputs in a committed transaction with their offsets.
    async with tx.transaction():
        for r in got[:6]:
            await tx.send(tout, value=r["v"].upper().encode(), partition=0)
        await tx.send_offsets_to_transaction({tp_in: got[5]["o"] + 1}, gid)
    # The rest in an aborted one: neither the outputs nor the offsets count.
    await tx.begin_transaction()
    for r in got[6:]:
        await tx.send(tout, value=r["v"].upper().encode(), partition=0)
    await tx.send_offsets_to_transaction({tp_in: got[-1]["o"] + 1}, gid)
    await tx.abort_transaction()
    await tx.stop()
    committed = await c.committed(tp_in)
    await c.stop()
    out = {}
    for iso in ["read_committed", "read_uncommitted"]:
        rc = consumer(isolation_level=iso)
        await rc.start()
        tp = TopicPartition(tout, 0)
        rc.assign([tp])
        await rc.seek_to_beginning(tp)
        out[iso] = [r["v"] for r in await read_all(rc, 10, deadline_s=5)]
        await rc.stop()
    res["txn"] = {"committedOffset": committed, **out}


async def main():
    a = AIOKafkaAdminClient(bootstrap_servers=BOOT, client_id=CID + "-admin", request_timeout_ms=15000)
    await a.start()
    await admin_part(a)
    await codecs_part()
    await seeks_part()
    await groups_part(a)
    await txn_part()
    r = await a.delete_topics([f"{PFX}-grow"])
    res["deleteTopics"] = [[t[0], t[1]] for t in r.topic_error_codes]
    res["afterDelete"] = f"{PFX}-grow" in await a.list_topics()
    await a.close()
    print(json.dumps(res), flush=True)


asyncio.run(main())
