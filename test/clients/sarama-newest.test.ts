/**
 * IBM/sarama at its newest release (pinned in test/clients/go-newest/go.mod; built once per machine
 * by scripts/go-newest.ts) with Config.Version = sarama.MaxVersion, driven against an in-process
 * broker: ClusterAdmin's DescribeCluster; sync producers, idempotent (acks=all) and not, under every
 * codec with keys, headers and CreateTime timestamps, read back byte-exact by partition consumers;
 * consumer groups with each balance strategy Sarama ships (range, roundrobin, sticky,
 * cooperative-sticky), three members on six partitions, every record read once and committed, and
 * static membership (Group.InstanceId); offsets by time/oldest/newest, a consumer at an exact
 * offset, an out-of-range one refused, a group member's ResetOffset; ClusterAdmin's topic, config,
 * partition, DeleteRecords and group calls; the transactional producer (commit, abort,
 * read_committed, AddOffsetsToTxn). The API versions Sarama used are printed at the end.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { goNewestSuite } from "./scripts/go-newest-suite.ts";
import { CODEC_BITS, pinnedVersion } from "./scripts/go-newest.ts";
import { ALL_CODECS, byPartition, comparable, generateRecords, versionsUsed, type ConsumedRecord, type WireRecord } from "./scripts/pc-common.ts";

const T = 90_000;
const PARTITIONS = 3;
const RECORDS = 120;
const RELEASE = `IBM/sarama ${pinnedVersion("github.com/IBM/sarama")}`;
const go = goNewestSuite("sarama", "sarama", RELEASE);
const sarama = go.run;
const { appendRecords, committed } = go;


describe(RELEASE, () => {
  test("ClusterAdmin DescribeCluster: one broker, the controller", async () => {
    const out = await sarama("admin", { topic: "go-sarama-meta-admin", partitions: 2, group: "g-sarama-meta", configs: {} });
    expect(out.describeCluster).toEqual({ brokers: [go.tb.broker.context.nodeId], controller: go.tb.broker.context.nodeId, error: null });
  }, T);

  test("sync producers, idempotent (acks=all) and not, under none/gzip/snappy/lz4/zstd: keys, headers, timestamps read back byte-exact", async () => {
    const jobs: { topic: string; codec: string; idempotent: boolean; recordsFile: string }[] = [];
    const produced = new Map<string, WireRecord[]>();
    let seed = 700;
    for (const codec of ALL_CODECS) {
      for (const idempotent of [true, false]) {
        const topic = `go-sarama-${codec}${idempotent ? "-idem" : ""}`;
        go.tb.broker.context.topics.create(topic, PARTITIONS);
        const records = generateRecords(RECORDS, PARTITIONS, seed++);
        const recordsFile = join(go.dir, `${topic}.json`);
        await Bun.write(recordsFile, JSON.stringify(records));
        produced.set(topic, records);
        jobs.push({ topic, codec, idempotent, recordsFile });
      }
    }
    const res = await sarama("produce", { jobs });
    expect(res.errors).toEqual([]);
    for (const j of jobs) {
      const next = new Array(PARTITIONS).fill(0);
      expect({ topic: j.topic, delivered: res.delivered[j.topic] }).toEqual({ topic: j.topic, delivered: produced.get(j.topic)!.map((r) => [r.p, next[r.p]++]) });
      const b = go.batches.get(j.topic)!;
      expect({ topic: j.topic, codecs: [...b.codecs] }).toEqual({ topic: j.topic, codecs: [CODEC_BITS[j.codec as keyof typeof CODEC_BITS]] });
      const ids = [...b.producerIds];
      expect({ topic: j.topic, ids: ids.length, idempotent: ids[0] >= 0n }).toEqual({ topic: j.topic, ids: 1, idempotent: j.idempotent });
      if (j.idempotent) expect(b.sequences[0]).toBe(0);
    }
    const consumed = await sarama("consume", { topics: jobs.map((j) => j.topic) });
    expect(consumed.errors).toEqual([]);
    expect(consumed.timedOut).toBe(false);
    for (const [topic, records] of produced) {
      const want = byPartition(records, PARTITIONS);
      const got = byPartition((consumed.records as ConsumedRecord[]).filter((r) => r.t === topic), PARTITIONS);
      for (let p = 0; p < PARTITIONS; p++) {
        const rows = got[p].sort((a, b) => a.o - b.o);
        expect({ topic, p, offsets: rows.map((r) => r.o) }).toEqual({ topic, p, offsets: want[p].map((_, i) => i) });
        expect({ topic, p, records: rows.map(comparable) }).toEqual({ topic, p, records: want[p].map(comparable) });
      }
    }
  }, T);

  for (const balancer of ["range", "roundrobin", "sticky", "cooperative-sticky"]) {
    test(`consumer group, ${balancer}: 3 members on 6 partitions read every record once, commit; a second run resumes`, async () => {
      const topic = `go-sarama-group-${balancer}`;
      const group = `g-sarama-${balancer}`;
      appendRecords(topic, 6, 10);
      const first = await sarama("group", { topic, group, balancer, members: 3, expected: 60, timeoutMs: 40_000 });
      console.log(`sarama ${balancer}: ${JSON.stringify({ assignments: first.assignments, perMember: first.perMember, describe: first.describe, errors: first.errors })}`);
      expect(first.timedOut).toBe(false);
      expect(first.distinct).toBe(60);
      expect(first.duplicates).toBe(0);
      expect(first.assignments.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(first.assignments.map((a: number[]) => a.length)).toEqual([2, 2, 2]);
      expect(first.describe).toMatchObject({ state: "Stable", protocolType: "consumer", protocol: balancer });
      expect(first.describe.members.length).toBe(3);
      for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(10n);
      appendRecords(topic, 6, 5, 10);
      const second = await sarama("group", { topic, group, balancer, members: 1, expected: 30, timeoutMs: 40_000 });
      expect(second.timedOut).toBe(false);
      expect(second.distinct).toBe(30);
      expect(second.duplicates).toBe(0);
      for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(15n);
    }, T);
  }

  test("static membership: members with Group.InstanceId are described by them", async () => {
    const topic = "go-sarama-static";
    const group = "g-sarama-static";
    appendRecords(topic, 4, 5);
    const out = await sarama("group", { topic, group, balancer: "range", members: 2, expected: 20, instanceId: "sarama-static", timeoutMs: 40_000 });
    expect(out.timedOut).toBe(false);
    expect(out.distinct).toBe(20);
    expect(out.describe.members).toEqual(["sarama-static-0", "sarama-static-1"]);
  }, T);

  test("offsets by time, oldest and newest; a consumer at an exact offset; out of range refused; a group member's ResetOffset", async () => {
    const topic = "go-sarama-seek";
    go.tb.broker.context.topics.create(topic, 1);
    const enc = new TextEncoder();
    const base = Date.now() - 100_000;
    const records = Array.from({ length: 20 }, (_, i) => ({ value: enc.encode(`s${i}`), timestampMs: BigInt(base + i * 1000) }));
    expect(go.tb.broker.context.partitions.get(topic, 0)!.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
    const out = await sarama("seek", { topic, group: "g-sarama-seek", atMilli: base + 12_500 });
    expect(out.byTime).toBe(13);
    expect(out.oldest).toBe(0);
    expect(out.newest).toBe(20);
    expect(out.at).toBe(7);
    expect(out.outOfRange).toMatch(/outside the range of offsets/);
    expect(out.alterOffsets).toBeNull();
    expect(out.groupReset).toBe(4);
  }, T);

  test("ClusterAdmin: create (validate-only, configs), describe/incremental-alter configs, create partitions, DeleteRecords, group offsets, list/describe/delete groups, delete", async () => {
    const topic = "go-sarama-admin";
    const group = "g-sarama-admin";
    const out = await sarama("admin", { topic, partitions: 3, group, configs: { "retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2097152" } });
    console.log(`sarama admin: ${JSON.stringify({ ...out, describeConfig: undefined, afterAlter: undefined })}`);
    expect(out.validateOnly).toBeNull();
    expect(out.create).toBeNull();
    expect(out.createAgain).toMatch(/already exists/i);
    expect(out.describeConfig.error).toBeNull();
    expect(out.describeConfig.entries["retention.ms"]).toMatchObject({ value: "3600000", default: false });
    expect(out.describeConfig.entries["cleanup.policy"]).toMatchObject({ value: "compact", default: false });
    expect(out.describeConfig.entries["segment.bytes"].default).toBe(true);
    expect(out.incrementalAlter).toBeNull();
    expect(out.afterAlter.entries["retention.ms"]).toMatchObject({ value: "7200000", default: false });
    expect(out.afterAlter.entries["max.message.bytes"].default).toBe(true);
    expect(out.afterAlter.entries["cleanup.policy"]).toMatchObject({ value: "compact", default: false });
    expect(out.createPartitions).toBeNull();
    expect(out.createPartitionsFewer).toMatch(/partition/i);
    expect(out.partitionsAfter).toBe(5);
    expect(out.produceError).toBeUndefined();
    expect(out.deleteRecords).toBeNull();
    expect(out.startOffset).toBe(4);
    expect(out.listOffsetsError).toBeNull();
    expect(out.alterGroupOffsets).toBeNull();
    expect(out.fetchOffset).toBe(6);
    // A group that only has committed offsets has no protocol type, as in Kafka.
    expect(out.listGroups).toEqual({ protocolType: "", error: null });
    expect(out.describeGroup).toEqual({ state: "Empty", members: 0 });
    expect(out.deleteGroupOffset).toBeNull();
    expect(out.alterGroupOffsets1).toBeNull();
    expect(out.fetchAfterDelete).toEqual([-1, 0]);
    expect(out.deleteGroup).toBeNull();
    expect(out.deleteGroupAgain).toMatch(/group id does not exist/);
    expect(go.tb.broker.context.groups.coordinator.offsets.get(group, topic, 1)).toBeUndefined();
    expect(out.delete).toBeNull();
    expect(out.deleteAgain).toMatch(/does not exist|unknown topic/i);
    expect(go.tb.broker.context.topics.get(topic)).toBeUndefined();
  }, T);

  test("transactional producer: commit, abort, commit; read_committed skips the aborted; AddOffsetsToTxn commits the group's offset", async () => {
    const topic = "go-sarama-txn";
    const output = "go-sarama-txn-out";
    const group = "g-sarama-txn";
    go.tb.broker.context.topics.create(topic, 2);
    go.tb.broker.context.topics.create(output, 1);
    const out = await sarama("txn", { topic, output, group, txnId: "sarama-txn-1" });
    expect(out).toEqual({ committed: null, aborted: null, committed2: null, addOffsets: null, copy: null, status: "ProducerTxnStateReady" });
    expect(go.batches.get(topic)!.transactional).toEqual(new Set([true]));
    expect(committed(group, topic, 0)).toBe(3n);
    const values = (r: { records: ConsumedRecord[] }) => r.records.map((x) => Buffer.from(x.v!, "base64").toString()).sort();
    // A last non-transactional record per partition tells the readers where the log ends.
    appendRecords(topic, 2, 1, 99);
    const rc = await sarama("consume", { topics: [topic], output: "committed" });
    expect(rc.timedOut).toBe(false);
    expect(values(rc)).toEqual(["committed-0", "committed-1", "committed-2", "committed-3", "committed-4", "committed-5", "committed2-0", "committed2-1", "v0-99", "v1-99"].sort());
    const ru = await sarama("consume", { topics: [topic] });
    expect(values(ru).filter((v) => v.startsWith("aborted"))).toEqual(["aborted-0", "aborted-1", "aborted-2", "aborted-3"]);
    appendRecords(output, 1, 1, 0);
    expect(values(await sarama("consume", { topics: [output], output: "committed" }))).toEqual(["copy-0", "copy-1", "copy-2", "v0-0"]);
  }, T);
});
