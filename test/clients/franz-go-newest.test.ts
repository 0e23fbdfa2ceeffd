/**
 * franz-go at its newest release (kgo and kadm, pinned in test/clients/go-newest/go.mod; built
 * once per machine by scripts/go-newest.ts), driven against an in-process broker:
 * metadata and ApiVersions through kadm; the idempotent producer (franz-go's default) and a
 * non-idempotent acks=1 one under every codec with keys, headers and CreateTime timestamps,
 * read back byte-exact; consumer groups with each balancer franz-go ships (range, roundrobin,
 * sticky, cooperative-sticky), three members on six partitions, every record read once and
 * committed, and static membership (instance ids); offset resets and seeks (start, exact, by
 * timestamp, relative to the end, SetOffsets); kadm's topic, config, partition, DeleteRecords and
 * group calls; transactions (commit, abort, read_committed) and a GroupTransactSession that copies
 * a topic and commits its group offsets inside the transaction. The API versions franz-go used
 * are printed at the end (README "Connecting clients").
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
const RELEASE = `franz-go ${pinnedVersion("github.com/twmb/franz-go")} (kadm ${pinnedVersion("github.com/twmb/franz-go/pkg/kadm")})`;
const go = goNewestSuite("franz", "franz", RELEASE);
const franz = go.run;
const { appendRecords, committed } = go;


describe(RELEASE, () => {
  test("kadm: metadata (one broker, the controller) and ApiVersions", async () => {
    const out = await franz("admin", { topic: "go-franz-meta-admin", partitions: 2, group: "g-franz-meta", configs: {} });
    expect(out.metadata).toMatchObject({ brokers: [go.tb.broker.context.nodeId], controller: go.tb.broker.context.nodeId, error: null });
    expect(out.apiVersions.error).toBeNull();
    expect(out.apiVersions.keys).toBeGreaterThan(40);
  }, T);

  test("idempotent and acks=1 producers under none/gzip/snappy/lz4/zstd: keys, headers, timestamps read back byte-exact", async () => {
    const jobs: { topic: string; codec: string; idempotent: boolean; recordsFile: string }[] = [];
    const produced = new Map<string, WireRecord[]>();
    let seed = 500;
    for (const codec of ALL_CODECS) {
      for (const idempotent of [true, false]) {
        const topic = `go-franz-${codec}${idempotent ? "-idem" : ""}`;
        go.tb.broker.context.topics.create(topic, PARTITIONS);
        const records = generateRecords(RECORDS, PARTITIONS, seed++);
        const recordsFile = join(go.dir, `${topic}.json`);
        await Bun.write(recordsFile, JSON.stringify(records));
        produced.set(topic, records);
        jobs.push({ topic, codec, idempotent, recordsFile });
      }
    }
    const res = await franz("produce", { jobs });
    expect(res.errors).toEqual([]);
    for (const j of jobs) {
      const next = new Array(PARTITIONS).fill(0);
      expect({ topic: j.topic, delivered: res.delivered[j.topic] }).toEqual({ topic: j.topic, delivered: produced.get(j.topic)!.map((r) => [r.p, next[r.p]++]) });
      const b = go.batches.get(j.topic)!;
      expect({ topic: j.topic, codecs: [...b.codecs] }).toEqual({ topic: j.topic, codecs: [CODEC_BITS[j.codec as keyof typeof CODEC_BITS]] });
      const ids = [...b.producerIds];
      expect({ topic: j.topic, ids: ids.length, idempotent: ids[0] >= 0n }).toEqual({ topic: j.topic, ids: 1, idempotent: j.idempotent });
      expect(b.transactional).toEqual(new Set([false]));
    }
    const consumed = await franz("consume", { topics: jobs.map((j) => j.topic) });
    expect(consumed.errors).toEqual([]);
    expect(consumed.timedOut).toBe(false);
    for (const [topic, records] of produced) {
      const want = byPartition(records, PARTITIONS);
      const got = byPartition((consumed.records as ConsumedRecord[]).filter((r) => r.t === topic), PARTITIONS);
      for (let p = 0; p < PARTITIONS; p++) {
        const rows = got[p].sort((a, b) => a.o - b.o);
        expect({ topic, p, offsets: rows.map((r) => r.o) }).toEqual({ topic, p, offsets: want[p].map((_, i) => i) });
        expect({ topic, p, records: rows.map(comparable) }).toEqual({ topic, p, records: want[p].map(comparable) });
        for (const r of rows) expect(r.tt).toBe(0);
      }
    }
  }, T);

  for (const balancer of ["range", "roundrobin", "sticky", "cooperative-sticky"]) {
    test(`consumer group, ${balancer}: 3 members on 6 partitions read every record once, commit; a second run resumes`, async () => {
      const topic = `go-franz-group-${balancer}`;
      const group = `g-franz-${balancer}`;
      appendRecords(topic, 6, 10);
      const first = await franz("group", { topic, group, balancer, members: 3, expected: 60, timeoutMs: 40_000 });
      console.log(`franz ${balancer}: ${JSON.stringify({ assignments: first.assignments, perMember: first.perMember, describe: first.describe })}`);
      expect(first.timedOut).toBe(false);
      expect(first.distinct).toBe(60);
      expect(first.duplicates).toBe(0);
      expect(first.assignments.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(first.assignments.map((a: number[]) => a.length)).toEqual([2, 2, 2]);
      expect(first.describe).toMatchObject({ state: "Stable", protocolType: "consumer", protocol: balancer, error: null });
      expect(first.describe.members.length).toBe(3);
      for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(10n);
      expect(Object.values(first.commits)).toEqual([10, 10, 10, 10, 10, 10]);
      appendRecords(topic, 6, 5, 10);
      const second = await franz("group", { topic, group, balancer, members: 1, expected: 30, timeoutMs: 40_000 });
      expect(second.timedOut).toBe(false);
      expect(second.distinct).toBe(30);
      expect(second.duplicates).toBe(0);
      for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(15n);
    }, T);
  }

  test("static membership: members with instance ids are described by them", async () => {
    const topic = "go-franz-static";
    const group = "g-franz-static";
    appendRecords(topic, 4, 5);
    const out = await franz("group", { topic, group, balancer: "range", members: 2, expected: 20, instanceId: "franz-static", timeoutMs: 40_000 });
    expect(out.timedOut).toBe(false);
    expect(out.distinct).toBe(20);
    expect(out.describe.members).toEqual(["franz-static-0", "franz-static-1"]);
    const joins = versionsUsed(go.seen, "go-franz-group").JoinGroup ?? [];
    expect(Math.max(...joins)).toBeGreaterThanOrEqual(5); // group.instance.id needs JoinGroup v5+
  }, T);

  test("offset resets and seeks: start, exact offset, by timestamp, relative to the end, AddConsumePartitions", async () => {
    const topic = "go-franz-seek";
    go.tb.broker.context.topics.create(topic, 1);
    const enc = new TextEncoder();
    const base = Date.now() - 100_000;
    const records = Array.from({ length: 20 }, (_, i) => ({ value: enc.encode(`s${i}`), timestampMs: BigInt(base + i * 1000) }));
    expect(go.tb.broker.context.partitions.get(topic, 0)!.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
    const out = await franz("seek", { topic, atMilli: base + 12_500 });
    expect(out).toEqual({ atStart: 0, at: 7, afterMilli: 13, relative: 18, addConsumePartitions: 3, listAfterMilli: 13, listError: null, timedOut: false });
  }, T);

  test("kadm: create (validate-only, configs), describe/alter configs, create partitions, DeleteRecords, commit/fetch/list/describe/delete groups, delete", async () => {
    const topic = "go-franz-admin";
    const group = "g-franz-admin";
    const out = await franz("admin", { topic, partitions: 3, group, configs: { "retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2097152" } });
    console.log(`franz admin: ${JSON.stringify(out)}`);
    expect(out.validateOnly).toBeNull();
    expect(out.create).toBeNull();
    expect(out.createAgain).toMatch(/TOPIC_ALREADY_EXISTS/);
    expect(out.describeConfigs.error).toBeNull();
    expect(out.describeConfigs.entries["retention.ms"]).toEqual({ value: "3600000", source: "DYNAMIC_TOPIC_CONFIG" });
    expect(out.describeConfigs.entries["cleanup.policy"]).toEqual({ value: "compact", source: "DYNAMIC_TOPIC_CONFIG" });
    expect(out.describeConfigs.entries["segment.bytes"].source).not.toBe("DYNAMIC_TOPIC_CONFIG");
    expect(out.alterConfigs).toBeNull();
    expect(out.afterAlter["retention.ms"]).toEqual({ value: "7200000", source: "DYNAMIC_TOPIC_CONFIG" });
    expect(out.afterAlter["max.message.bytes"].source).not.toBe("DYNAMIC_TOPIC_CONFIG");
    expect(out.afterAlter["cleanup.policy"]).toEqual({ value: "compact", source: "DYNAMIC_TOPIC_CONFIG" });
    expect(out.createPartitions).toBeNull();
    expect(out.updatePartitionsFewer).toMatch(/INVALID_PARTITIONS/);
    expect(out.partitionsAfter).toBe(5);
    expect(out.produceError).toBeNull();
    expect(out.deleteRecords).toEqual({ lowWatermark: 4, error: null });
    expect(out.startOffset).toBe(4);
    expect(out.commitOffsets).toEqual({ error: null, first: null });
    expect(out.fetchOffsets).toBe(6);
    expect(out.listGroups.error).toBeNull();
    expect(out.listGroups.groups).toContain(`${group}:Empty`);
    expect(out.describeGroup).toEqual({ state: "Empty", members: 0, error: null });
    expect(out.lag).toBe(4);
    expect(out.deleteGroup).toEqual({ error: null, result: null });
    expect(go.tb.broker.context.groups.coordinator.offsets.get(group, topic, 0)).toBeUndefined();
    expect(out.delete).toBeNull();
    expect(out.deleteAgain).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);
    expect(go.tb.broker.context.topics.get(topic)).toBeUndefined();
  }, T);

  test("transactions: committed ones are read under read_committed, the aborted one is not; read_uncommitted sees all", async () => {
    const topic = "go-franz-txn";
    go.tb.broker.context.topics.create(topic, 2);
    const out = await franz("txn", { topic, txnId: "franz-txn-1" });
    expect(out).toEqual({ committed: null, aborted: null, committed2: null });
    expect(go.batches.get(topic)!.transactional).toEqual(new Set([true]));
    // A last non-transactional record per partition tells the readers where the log ends.
    appendRecords(topic, 2, 1, 99);
    const values = (r: { records: ConsumedRecord[] }) => r.records.map((x) => Buffer.from(x.v!, "base64").toString()).sort();
    const rc = await franz("consume", { topics: [topic], output: "committed" });
    expect(rc.timedOut).toBe(false);
    expect(values(rc)).toEqual(["committed-0", "committed-1", "committed-2", "committed-3", "committed-4", "committed-5", "committed2-0", "committed2-1", "v0-99", "v1-99"].sort());
    const ru = await franz("consume", { topics: [topic] });
    expect(values(ru).filter((v) => v.startsWith("aborted"))).toEqual(["aborted-0", "aborted-1", "aborted-2", "aborted-3"]);
  }, T);

  test("GroupTransactSession: copies a topic and commits the group's offsets in the same transactions", async () => {
    const input = "go-franz-gts-in";
    const output = "go-franz-gts-out";
    const group = "g-franz-gts";
    appendRecords(input, 3, 8);
    go.tb.broker.context.topics.create(output, 1);
    const out = await franz("groupTxn", { topic: input, output, group, txnId: "franz-gts-1", expected: 24, timeoutMs: 40_000 });
    expect(out.errors).toEqual([]);
    expect(out.timedOut).toBe(false);
    expect(out.copied).toBe(24);
    expect(out.transactions).toBeGreaterThan(0);
    for (let p = 0; p < 3; p++) expect(committed(group, input, p)).toBe(8n);
    expect(versionsUsed(go.seen, "go-franz-groupTxn").TxnOffsetCommit?.length).toBeGreaterThan(0);
    appendRecords(output, 1, 1, 0);
    const copies = await franz("consume", { topics: [output], output: "committed" });
    expect(copies.records.length).toBe(25);
    expect(copies.records.filter((r: ConsumedRecord) => Buffer.from(r.v!, "base64").toString().startsWith("copy:")).length).toBe(24);
  }, T);
});
