/**
 * segmentio/kafka-go at its newest release (pinned in test/clients/go-newest/go.mod; built once per
 * machine by scripts/go-newest.ts), driven against an in-process broker: Metadata and ApiVersions
 * through its Client; the Writer (acks=all) under every codec with keys, headers and CreateTime
 * timestamps, read back byte-exact by partition Readers; consumer groups with the balancers it
 * ships for plain groups (range, roundrobin), three Readers on six partitions, every record read
 * once and committed (CommitMessages), a second run resuming from the commits; a Reader's
 * FirstOffset, SetOffset and SetOffsetAt, ListOffsets by time; the Client's CreateTopics
 * (validate-only, configs), DescribeConfigs, IncrementalAlterConfigs, CreatePartitions,
 * OffsetCommit/OffsetFetch/OffsetDelete, ListGroups, DescribeGroups, DeleteGroups and DeleteTopics.
 * kafka-go has no idempotent or transactional producer, no sticky assignors (its third balancer,
 * rack-affinity, needs racks) and no static membership: not tested. The API versions it used are
 * printed at the end.
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
const RELEASE = `segmentio/kafka-go ${pinnedVersion("github.com/segmentio/kafka-go")}`;
const go = goNewestSuite("kafkago", "kafka-go", RELEASE);
const kafkago = go.run;
const { appendRecords, committed } = go;

/** DescribeConfigs v1+ config sources (IsDefault is a v0 field). */
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;
/** kafka-go's Reader returns an empty value or key as nil: it does not tell empty from null. */
const emptyAsNull = (r: WireRecord): WireRecord => ({ ...r, k: r.k === "" ? null : r.k, v: r.v === "" ? null : r.v });


describe(RELEASE, () => {
  test("Client: Metadata (one broker, the controller, the cluster id) and ApiVersions", async () => {
    const out = await kafkago("admin", { topic: "go-kafkago-meta-admin", partitions: 2, group: "g-kafkago-meta", configs: {} });
    expect(out.metadata).toEqual({ brokers: [go.tb.broker.context.nodeId], controller: go.tb.broker.context.nodeId, cluster: expect.any(String) });
    expect(out.apiVersions.error).toBeNull();
    expect(out.apiVersions.keys).toBeGreaterThan(40);
  }, T);

  test("Writer (acks=all) under none/gzip/snappy/lz4/zstd: keys, headers, timestamps read back byte-exact", async () => {
    const jobs: { topic: string; codec: string; recordsFile: string }[] = [];
    const produced = new Map<string, WireRecord[]>();
    let seed = 900;
    for (const codec of ALL_CODECS) {
      const topic = `go-kafkago-${codec}`;
      go.tb.broker.context.topics.create(topic, PARTITIONS);
      const records = generateRecords(RECORDS, PARTITIONS, seed++);
      const recordsFile = join(go.dir, `${topic}.json`);
      await Bun.write(recordsFile, JSON.stringify(records));
      produced.set(topic, records);
      jobs.push({ topic, codec, recordsFile });
    }
    const res = await kafkago("produce", { jobs });
    expect(res.errors).toEqual([]);
    for (const j of jobs) {
      expect(res.written[j.topic]).toBe(RECORDS);
      const b = go.batches.get(j.topic)!;
      expect({ topic: j.topic, codecs: [...b.codecs] }).toEqual({ topic: j.topic, codecs: [CODEC_BITS[j.codec as keyof typeof CODEC_BITS]] });
      expect([...b.producerIds]).toEqual([-1n]);
    }
    const consumed = await kafkago("consume", { topics: jobs.map((j) => j.topic) });
    expect(consumed.errors).toEqual([]);
    expect(consumed.timedOut).toBe(false);
    for (const [topic, records] of produced) {
      const want = byPartition(records, PARTITIONS);
      const got = byPartition((consumed.records as ConsumedRecord[]).filter((r) => r.t === topic), PARTITIONS);
      for (let p = 0; p < PARTITIONS; p++) {
        const rows = got[p].sort((a, b) => a.o - b.o);
        expect({ topic, p, offsets: rows.map((r) => r.o) }).toEqual({ topic, p, offsets: want[p].map((_, i) => i) });
        expect({ topic, p, records: rows.map(comparable) }).toEqual({ topic, p, records: want[p].map(comparable).map(emptyAsNull) });
      }
    }
  }, T);

  for (const balancer of ["range", "roundrobin"]) {
    test(`consumer group, ${balancer}: 3 Readers on 6 partitions read every record once, commit; a second run resumes`, async () => {
      const topic = `go-kafkago-group-${balancer}`;
      const group = `g-kafkago-${balancer}`;
      appendRecords(topic, 6, 10);
      const first = await kafkago("group", { topic, group, balancer, members: 3, expected: 60, timeoutMs: 40_000 });
      console.log(`kafka-go ${balancer}: ${JSON.stringify(first)}`);
      expect(first.errors).toEqual([]);
      expect(first.timedOut).toBe(false);
      expect(first.distinct).toBe(60);
      expect(first.duplicates).toBe(0);
      expect(first.describe).toMatchObject({ state: "Stable", members: 3, error: null });
      expect(first.describe.assignments.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(first.describe.assignments.map((a: number[]) => a.length)).toEqual([2, 2, 2]);
      for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(10n);
      appendRecords(topic, 6, 5, 10);
      const second = await kafkago("group", { topic, group, balancer, members: 1, expected: 30, timeoutMs: 40_000 });
      expect(second.timedOut).toBe(false);
      expect(second.distinct).toBe(30);
      expect(second.duplicates).toBe(0);
      for (let p = 0; p < 6; p++) expect(committed(group, topic, p)).toBe(15n);
    }, T);
  }

  test("Reader at FirstOffset, SetOffset, SetOffsetAt; ListOffsets by time", async () => {
    const topic = "go-kafkago-seek";
    go.tb.broker.context.topics.create(topic, 1);
    const enc = new TextEncoder();
    const base = Date.now() - 100_000;
    const records = Array.from({ length: 20 }, (_, i) => ({ value: enc.encode(`s${i}`), timestampMs: BigInt(base + i * 1000) }));
    expect(go.tb.broker.context.partitions.get(topic, 0)!.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
    const out = await kafkago("seek", { topic, atMilli: base + 12_500 });
    expect(out).toEqual({ first: 0, setOffset: 7, setOffsetAt: 13, listByTime: [13], listFirstLast: [0, 20], listError: null });
  }, T);

  test("Client admin: create (validate-only, configs), describe/incremental-alter configs, create partitions, group offsets, list/describe/delete groups, delete", async () => {
    const topic = "go-kafkago-admin";
    const group = "g-kafkago-admin";
    const out = await kafkago("admin", { topic, partitions: 3, group, configs: { "retention.ms": "3600000", "cleanup.policy": "compact", "max.message.bytes": "2097152" } });
    console.log(`kafka-go admin: ${JSON.stringify({ ...out, describeConfigs: undefined, afterAlter: undefined })}`);
    expect(out.validateOnly).toBeNull();
    expect(out.afterValidateOnly).toMatch(/^\[3\] Unknown Topic Or Partition/);
    expect(out.create).toBeNull();
    expect(out.createAgain).toMatch(/^\[36\] Topic Already Exists/);
    expect(out.describeConfigs.error).toBeNull();
    expect(out.describeConfigs.entries["retention.ms"]).toMatchObject({ value: "3600000", source: DYNAMIC_TOPIC_CONFIG });
    expect(out.describeConfigs.entries["cleanup.policy"]).toMatchObject({ value: "compact", source: DYNAMIC_TOPIC_CONFIG });
    expect(out.describeConfigs.entries["segment.bytes"].source).toBe(DEFAULT_CONFIG);
    expect(out.incrementalAlter).toBeNull();
    expect(out.afterAlter.entries["retention.ms"]).toMatchObject({ value: "7200000", source: DYNAMIC_TOPIC_CONFIG });
    expect(out.afterAlter.entries["max.message.bytes"].source).toBe(DEFAULT_CONFIG);
    expect(out.createPartitions).toBeNull();
    expect(out.createPartitionsFewer).toMatch(/partition/i);
    expect(out.partitionsAfter).toBe(5);
    expect(out.offsetCommit).toBeNull();
    expect(out.offsetFetch).toEqual({ 0: 6, 1: 2 });
    expect(out.listGroups.error).toBeNull();
    expect(out.listGroups.groups).toContain(group);
    expect(out.describeGroup).toEqual({ state: "Empty", members: 0, error: null });
    expect(out.offsetDelete).toBeNull();
    expect(out.offsetFetchAfterDelete).toEqual({ 0: -1, 1: 2 });
    expect(out.deleteGroup).toBeNull();
    expect(out.deleteGroupAgain).toMatch(/^\[69\] Group ID Not Found/);
    expect(out.delete).toBeNull();
    expect(go.tb.broker.context.topics.get(topic)).toBeUndefined();
    expect(out.deleteAgain).toMatch(/^\[3\] Unknown Topic Or Partition/);
  }, T);
});
