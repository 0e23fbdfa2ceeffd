/**
 * Produce, Fetch, ListOffsets, DeleteRecords and OffsetForLeaderEpoch over a real socket with raw
 * protocol frames: the happy paths, and every refusal of bad input with its Kafka error code while
 * the broker keeps serving.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { DeleteRecords } from "../../src/protocol/messages/delete-records.ts";
import { DescribeLogDirs } from "../../src/protocol/messages/describe-log-dirs.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { OffsetForLeaderEpoch } from "../../src/protocol/messages/offset-for-leader-epoch.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { batchRecords, recompressBatch } from "../../src/compression/index.ts";
import { buildRecordBatch, Compression, iterateRecords, readBatchHeader, type NewBatch } from "../../src/protocol/record-batch.ts";
import { concat } from "../../src/protocol/writer.ts";
import { RawClient, removeDir, requestFrame, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const enc = new TextEncoder();
let tb: TestBroker;
let c: RawClient;
let correlation = 1;

beforeAll(async () => {
  tb = await startTestBroker({ autoCreateTopicsEnable: false });
  tb.broker.context.topics.create("events", 3);
  tb.broker.context.topics.create("small", 1, { "max.message.bytes": "200" });
  tb.broker.context.topics.create("stamped", 1, { "message.timestamp.type": "LogAppendTime" });
  c = await RawClient.connect(tb.port);
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(tb.dataDir);
});

function batch(n: number, extra: Partial<NewBatch> = {}): Uint8Array {
  return buildRecordBatch({
    baseTimestampMs: 1_700_000_000_000n,
    records: Array.from({ length: n }, (_, i) => ({ key: enc.encode(`k${i}`), value: enc.encode(`value-${i}`), headers: [{ key: "h", value: enc.encode("x") }], timestampMs: 1_700_000_000_000n + BigInt(i) })),
    ...extra,
  });
}

async function produce(topic: string, partition: number, records: Uint8Array | null, opts: { acks?: number; version?: number } = {}) {
  const res = await c.call(
    Produce,
    opts.version ?? 9,
    { transactionalId: null, acks: opts.acks ?? -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] },
    correlation++,
  );
  return res.responses[0].partitionResponses[0];
}

async function fetchOnce(topic: string, partition: number, offset: bigint, opts: { maxWaitMs?: number; minBytes?: number; version?: number } = {}) {
  const res = await c.call(
    Fetch,
    opts.version ?? 12,
    {
      maxWaitMs: opts.maxWaitMs ?? 0,
      minBytes: opts.minBytes ?? 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, topicId: tb.broker.context.topics.get(topic)?.id ?? "AAAAAAAAAAAAAAAAAAAAAA", partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: "",
    },
    correlation++,
  );
  return res.responses[0].partitions[0];
}

function recordsOf(bytes: Uint8Array | null): { offset: bigint; key: string; value: string }[] {
  const out: { offset: bigint; key: string; value: string }[] = [];
  if (!bytes) return out;
  const dec = new TextDecoder();
  for (let pos = 0; pos + 61 <= bytes.length; ) {
    const h = readBatchHeader(bytes, pos);
    for (const r of iterateRecords(bytes.subarray(pos + 61, pos + 12 + h.batchLength), h.recordCount)) {
      out.push({ offset: h.baseOffset + BigInt(r.offsetDelta), key: dec.decode(r.key!), value: dec.decode(r.value!) });
    }
    pos += 12 + h.batchLength;
  }
  return out;
}

describe("produce and fetch", () => {
  test("offsets are assigned densely and fetch returns the records from any offset", async () => {
    expect((await produce("events", 0, batch(3))).baseOffset).toBe(0n);
    expect((await produce("events", 0, batch(2))).baseOffset).toBe(3n);
    const p = await fetchOnce("events", 0, 0n);
    expect(p.errorCode).toBe(0);
    expect(p.highWatermark).toBe(5n);
    expect(recordsOf(p.records).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
    const mid = await fetchOnce("events", 0, 4n);
    expect(recordsOf(mid.records).some((r) => r.offset === 4n && r.value === "value-1")).toBe(true);
  });

  test("every fetch version 4-17 reads the same records", async () => {
    await produce("events", 1, batch(2));
    for (let v = 4; v <= 17; v++) {
      const p = await fetchOnce("events", 1, 0n, { version: v });
      expect(p.errorCode).toBe(0);
      expect(recordsOf(p.records).map((r) => r.key)).toEqual(["k0", "k1"]);
    }
  });

  test("a fetch at the log end waits and is woken by an append", async () => {
    const end = (await fetchOnce("events", 2, 0n)).highWatermark as bigint;
    // max_wait is far beyond the test timeout: only the append can answer this fetch in time.
    const pending = fetchOnce("events", 2, end, { maxWaitMs: 25_000, minBytes: 1 });
    await Bun.sleep(50);
    const other = await RawClient.connect(tb.port);
    await other.call(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "events", partitionData: [{ index: 2, records: batch(1) }] }] });
    other.close();
    const p = await pending;
    expect(recordsOf(p.records).map((r) => r.offset)).toEqual([end]);
  }, 20_000);

  test("acks=0 gets no response but is appended, and later responses stay in order", async () => {
    const before = (await fetchOnce("events", 1, 0n)).highWatermark as bigint;
    c.write(requestFrame(Produce, 9, 9000, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: "events", partitionData: [{ index: 1, records: batch(4) }] }] }));
    const after = await fetchOnce("events", 1, 0n);
    expect(after.highWatermark).toBe(before + 4n);
  });

  test("large pipelined produce frames that span many reads are each stored intact", async () => {
    tb.broker.context.topics.create("big", 1);
    const frames: Uint8Array[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      const value = `frame-${i}-`.repeat(30_000).slice(0, 300_000);
      expected.push(value);
      const records = buildRecordBatch({ records: [{ key: enc.encode(`k${i}`), value: enc.encode(value) }] });
      frames.push(requestFrame(Produce, 9, 7000 + i, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "big", partitionData: [{ index: 0, records }] }] }));
    }
    const before = c.frames.length;
    c.write(concat(frames));
    const got = await c.waitFrames(before + 6);
    expect(got.length).toBe(before + 6);
    const values: string[] = [];
    for (let offset = 0n; offset < 6n; offset++) {
      const p = await fetchOnce("big", 0, offset);
      const first = recordsOf(p.records)[0];
      values.push(first.value);
    }
    expect(values).toEqual(expected);
  });

  test("a topic's compression.type recompresses batches that differ, and keeps ones that match", async () => {
    tb.broker.context.topics.create("zstd-topic", 1, { "compression.type": "zstd" });
    const plain = batch(3);
    const gzipped = recompressBatch(batch(2), Compression.gzip);
    const zstded = recompressBatch(batch(4), Compression.zstd);
    expect((await produce("zstd-topic", 0, plain)).baseOffset).toBe(0n);
    expect((await produce("zstd-topic", 0, gzipped)).baseOffset).toBe(3n);
    expect((await produce("zstd-topic", 0, zstded)).baseOffset).toBe(5n);
    const p = await fetchOnce("zstd-topic", 0, 0n);
    const stored: Uint8Array = p.records;
    const codecs: number[] = [];
    const values: string[] = [];
    const dec = new TextDecoder();
    for (let pos = 0; pos + 61 <= stored.length; ) {
      const h = readBatchHeader(stored, pos);
      const one = stored.subarray(pos, pos + 12 + h.batchLength);
      codecs.push(h.attributes & 7);
      for (const r of iterateRecords(batchRecords(one), h.recordCount)) values.push(dec.decode(r.value!));
      pos += 12 + h.batchLength;
    }
    expect(codecs).toEqual([Compression.zstd, Compression.zstd, Compression.zstd]);
    expect(values).toEqual(["value-0", "value-1", "value-2", "value-0", "value-1", "value-0", "value-1", "value-2", "value-3"]);
  });

  test("LogAppendTime topics stamp the broker's time", async () => {
    const t0 = Date.now();
    const r = await produce("stamped", 0, batch(1));
    expect(r.errorCode).toBe(0);
    expect(Number(r.logAppendTimeMs)).toBeGreaterThanOrEqual(t0);
  });

  test("ListOffsets: earliest, latest, by timestamp, max timestamp; DeleteRecords moves the start", async () => {
    const list = async (ts: bigint, version = 7) =>
      (await c.call(ListOffsets, version, { replicaId: -1, isolationLevel: 0, topics: [{ name: "events", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: ts }] }] }, correlation++)).topics[0].partitions[0];
    expect((await list(-2n)).offset).toBe(0n);
    expect((await list(-1n)).offset).toBe(5n);
    // Record i of each batch has timestamp base+i; the first record at >= base+1 is offset 1.
    const byTs = await list(1_700_000_000_001n);
    expect(byTs.offset).toBe(1n);
    expect(byTs.timestamp).toBe(1_700_000_000_001n);
    expect((await list(1_800_000_000_000n)).offset).toBe(-1n);
    const max = await list(-3n);
    expect(max.timestamp).toBe(1_700_000_000_002n);
    expect((await list(-1n, 0)).oldStyleOffsets).toEqual([5n]);
    expect((await list(-7n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION); // a negative timestamp no version names, as Kafka

    const del = await c.call(DeleteRecords, 2, { topics: [{ name: "events", partitions: [{ partitionIndex: 0, offset: 3n }] }], timeoutMs: 1000 }, correlation++);
    expect(del.topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: 3n, errorCode: 0 });
    expect((await list(-2n)).offset).toBe(3n);
    // As Kafka: a partition answered with an error carries -1 watermarks, not the log's.
    expect(await fetchOnce("events", 0, 1n)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n });
    const beyond = await c.call(DeleteRecords, 2, { topics: [{ name: "events", partitions: [{ partitionIndex: 0, offset: 99n }] }], timeoutMs: 1000 }, correlation++);
    expect(beyond.topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
  });

  test("OffsetForLeaderEpoch and DescribeLogDirs describe the partition", async () => {
    const e = await c.call(OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic: "events", partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }] }, correlation++);
    expect(e.topics[0].partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 5n });
    const d = await c.call(DescribeLogDirs, 4, { topics: [{ topic: "events", partitions: [0] }] }, correlation++);
    expect(d.results[0].topics[0].partitions[0].partitionSize).toBeGreaterThan(0n);
    expect(d.results[0].usableBytes).toBeGreaterThan(0n);
  });
});

describe("bad input is refused and the broker serves on", () => {
  test("a wrong CRC is CORRUPT_MESSAGE and nothing is appended", async () => {
    const before = (await fetchOnce("events", 2, 0n)).highWatermark;
    const b = batch(2);
    b[b.length - 1] ^= 0x55;
    expect((await produce("events", 2, b)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await fetchOnce("events", 2, 0n)).highWatermark).toBe(before);
  });

  test("a batch above max.message.bytes is MESSAGE_TOO_LARGE", async () => {
    expect((await produce("small", 0, batch(20))).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect((await produce("small", 0, batch(1))).errorCode).toBe(ErrorCode.NONE);
  });

  test("unknown topic (auto-creation off), invalid name, missing partition: UNKNOWN_TOPIC_OR_PARTITION as in Kafka", async () => {
    expect((await produce("nope", 0, batch(1))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce("bad name!", 0, batch(1))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce("events", 7, batch(1))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const unknown = await fetchOnce("nope", 0, 0n);
    expect(unknown).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1n, logStartOffset: -1n, abortedTransactions: [] });
  });

  test("a failed produce answers logStartOffset -1", async () => {
    const b = batch(2);
    b[b.length - 1] ^= 0x55;
    expect(await produce("events", 1, b)).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1n, logStartOffset: -1n });
  });

  test("clients may not produce to or delete records of the coordinators' topics; other __ topics stay writable", async () => {
    tb.broker.context.topics.create("__consumer_offsets", 1, { "cleanup.policy": "compact" });
    tb.broker.context.topics.create("__events", 1);
    for (const internal of ["__consumer_offsets", "__transaction_state", "__share_group_state"]) {
      expect(await produce(internal, 0, batch(1))).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, baseOffset: -1n });
      const del = await c.call(DeleteRecords, 2, { topics: [{ name: internal, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 1000 }, correlation++);
      expect(del.topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: -1n, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION });
    }
    expect((await fetchOnce("__consumer_offsets", 0, 0n)).highWatermark).toBe(0n); // nothing was appended
    expect((await produce("__events", 0, batch(1))).errorCode).toBe(ErrorCode.NONE);
  });

  test("produce v0-2 is UNSUPPORTED_VERSION; acks=2 is INVALID_REQUIRED_ACKS", async () => {
    expect((await produce("events", 0, batch(1), { version: 2 })).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await produce("events", 0, batch(1), { acks: 2 })).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
  });

  test("two batches in one partition's records, or garbage, are INVALID_RECORD / CORRUPT_MESSAGE", async () => {
    expect((await produce("events", 0, concat([batch(1), batch(1)]))).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produce("events", 0, new Uint8Array(100).fill(7))).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE); // magic 7 is no batch format (Kafka too)
  });
});

describe("idempotent producer", () => {
  test("a retried batch is answered with its original offset and not appended twice, also after a restart", async () => {
    const dir = tb.dataDir + "-idem";
    const a = await startTestBroker({}, dir);
    a.broker.context.topics.create("idem", 1);
    const k = await RawClient.connect(a.port);
    const init = await k.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    expect(init.errorCode).toBe(0);
    const pid = init.producerId as bigint;
    const send = async (client: RawClient, seq: number, n: number) =>
      (await client.call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: "idem", partitionData: [{ index: 0, records: batch(n, { producerId: pid, producerEpoch: 0, baseSequence: seq }) }] }] }, correlation++)).responses[0].partitionResponses[0];
    expect((await send(k, 0, 3)).baseOffset).toBe(0n);
    expect((await send(k, 3, 2)).baseOffset).toBe(3n);
    expect((await send(k, 0, 3)).baseOffset).toBe(0n);
    expect((await send(k, 9, 1)).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    k.close();
    await a.stop();
    // Without the snapshot (as after kill -9) the state is rebuilt from the log's batch headers.
    rmSync(join(dir, "idem-0", "producer-state.json"));

    const b = await startTestBroker({}, dir);
    const k2 = await RawClient.connect(b.port);
    expect((await send(k2, 3, 2)).baseOffset).toBe(3n);
    expect((await send(k2, 5, 1)).baseOffset).toBe(5n);
    const next = await k2.call(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    expect(next.producerId).not.toBe(pid);
    expect(b.broker.context.partitions.get("idem", 0)!.logEndOffset).toBe(6);
    k2.close();
    await b.stop();
    removeDir(dir);
  });
});
