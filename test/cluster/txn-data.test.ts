/**
 * The transactional data path over a real socket and real files: transactional batches of two
 * producers interleaved with plain ones (appended through the replica manager with origin
 * coordinator, as a verified transaction's batches land), markers written by the TxnMarkerWriter
 * (context.txnMarkers), then read_committed and read_uncommitted Fetch, ListOffsets latest under
 * both isolation levels, a restart that keeps the LSO and the aborted-transaction index, and kcat
 * and confluent-kafka-python consumers with isolation.level=read_committed (librdkafka filters
 * with the aborted list: no aborted record, no control record, nothing past the LSO).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { CONTROL_BIT, TRANSACTIONAL_BIT, buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { RawClient, removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { KCAT, PYTHON, runClient } from "../clients/clients.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const TOPIC = "txn-data";
const A = 1000n; // aborted
const B = 2000n; // committed
const C = 3000n; // left ongoing

let tb: TestBroker;
let c: RawClient;
let correlation = 1;
const dataDir = tempDir("txn-data-");

async function start(): Promise<void> {
  tb = await startTestBroker({ autoCreateTopicsEnable: false }, dataDir);
  c = await RawClient.connect(tb.port);
}

beforeAll(async () => {
  await start();
  tb.broker.context.topics.create(TOPIC, 1);
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(dataDir);
});

function batch(values: string[], producerId = -1n, transactional = false, baseSequence = -1): Uint8Array {
  return buildRecordBatch({
    attributes: transactional ? TRANSACTIONAL_BIT : 0,
    producerId,
    producerEpoch: producerId >= 0n ? 0 : -1,
    baseSequence: producerId >= 0n ? baseSequence : -1,
    records: values.map((v) => ({ key: enc.encode(v), value: enc.encode(v) })),
  });
}

/** A transactional batch as it lands once its partition was verified (origin coordinator skips the verifier). */
async function appendTxn(values: string[], producerId: bigint, baseSequence: number): Promise<void> {
  const r = await tb.broker.context.replicas.appendRecords([{ topic: TOPIC, partition: 0, records: batch(values, producerId, true, baseSequence) }], { acks: -1, timeoutMs: 5000, origin: "coordinator" });
  expect(r[0]!.errorCode).toBe(ErrorCode.NONE);
}

async function appendPlain(values: string[]): Promise<void> {
  const res = await c.call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch(values) }] }] }, correlation++);
  expect(res.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
}

async function fetch(offset: bigint, isolationLevel: 0 | 1) {
  const res = await c.call(
    Fetch,
    12,
    {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: TOPIC, topicId: "AAAAAAAAAAAAAAAAAAAAAA", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: "",
    },
    correlation++,
  );
  return res.responses[0].partitions[0];
}

async function latest(isolationLevel: 0 | 1): Promise<bigint> {
  const res = await c.call(ListOffsets, 7, { replicaId: -1, isolationLevel, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] }, correlation++);
  return res.topics[0].partitions[0].offset;
}

interface Batch {
  baseOffset: bigint;
  lastOffset: bigint;
  producerId: bigint;
  control: boolean;
  values: string[];
}

function batchesOf(bytes: Uint8Array | null): Batch[] {
  const out: Batch[] = [];
  if (!bytes) return out;
  for (let pos = 0; pos + 61 <= bytes.length; ) {
    const h = readBatchHeader(bytes, pos);
    const values = [...iterateRecords(bytes.subarray(pos + 61, pos + 12 + h.batchLength), h.recordCount)].map((r) => (r.value ? dec.decode(r.value) : ""));
    out.push({ baseOffset: h.baseOffset, lastOffset: h.baseOffset + BigInt(h.lastOffsetDelta), producerId: h.producerId, control: (h.attributes & CONTROL_BIT) !== 0, values });
    pos += 12 + h.batchLength;
  }
  return out;
}

/** What a read_committed consumer keeps (Kafka's consumer rule), for comparing with the clients. */
function committedValues(batches: Batch[], aborted: { producerId: bigint; firstOffset: bigint }[]): string[] {
  const pending = [...aborted].sort((a, b) => Number(a.firstOffset - b.firstOffset));
  const abortedNow = new Set<bigint>();
  const out: string[] = [];
  for (const b of batches) {
    while (pending.length > 0 && pending[0]!.firstOffset <= b.lastOffset) abortedNow.add(pending.shift()!.producerId);
    if (b.control) {
      abortedNow.delete(b.producerId);
      continue;
    }
    if (!abortedNow.has(b.producerId)) out.push(...b.values);
  }
  return out;
}

const writeMarker = (producerId: bigint, result: "commit" | "abort", producerEpoch = 0) =>
  tb.broker.context.txnMarkers.writeMarkers({ producerId, producerEpoch, coordinatorEpoch: 0, result, partitions: [{ topic: TOPIC, partition: 0 }] });

describe("transactional data path", () => {
  test("the LSO holds read_committed back until the markers; aborted transactions are listed", async () => {
    await appendPlain(["p0", "p1"]); // 0-1
    await appendTxn(["a0", "a1"], A, 0); // 2-3
    await appendTxn(["b0"], B, 0); // 4
    await appendPlain(["p2"]); // 5
    await appendTxn(["a2"], A, 2); // 6

    const before = await fetch(0n, 1);
    expect(before.errorCode).toBe(ErrorCode.NONE);
    expect(before.highWatermark).toBe(7n);
    expect(before.lastStableOffset).toBe(2n);
    expect(batchesOf(before.records).map((b) => b.values)).toEqual([["p0", "p1"]]);
    expect(before.abortedTransactions).toEqual([]);
    const uncommitted = await fetch(0n, 0);
    expect(uncommitted.lastStableOffset).toBe(2n);
    expect(uncommitted.abortedTransactions).toBeNull();
    expect(batchesOf(uncommitted.records).flatMap((b) => b.values)).toEqual(["p0", "p1", "a0", "a1", "b0", "p2", "a2"]);
    expect(await latest(1)).toBe(2n);
    expect(await latest(0)).toBe(7n);

    expect((await writeMarker(A, "abort")).map((r) => r.errorCode)).toEqual([ErrorCode.NONE]); // 7
    const afterAbort = await fetch(0n, 1);
    expect(afterAbort.lastStableOffset).toBe(4n); // B's transaction still open
    expect(afterAbort.abortedTransactions).toEqual([{ producerId: A, firstOffset: 2n }]);
    expect(await latest(1)).toBe(4n);

    expect((await writeMarker(B, "commit")).map((r) => r.errorCode)).toEqual([ErrorCode.NONE]); // 8
    const all = await fetch(0n, 1);
    expect(all.lastStableOffset).toBe(9n);
    expect(all.highWatermark).toBe(9n);
    expect(all.abortedTransactions).toEqual([{ producerId: A, firstOffset: 2n }]);
    const batches = batchesOf(all.records);
    expect(batches.filter((b) => b.control).map((b) => b.baseOffset)).toEqual([7n, 8n]);
    expect(committedValues(batches, all.abortedTransactions)).toEqual(["p0", "p1", "b0", "p2"]);
    // Past A's marker nothing is aborted any more.
    expect((await fetch(8n, 1)).abortedTransactions).toEqual([]);
    expect((await fetch(3n, 1)).abortedTransactions).toEqual([{ producerId: A, firstOffset: 2n }]);
  });

  test("a marker of an older producer epoch is INVALID_PRODUCER_EPOCH; an unknown partition is UNKNOWN_TOPIC_OR_PARTITION", async () => {
    await appendTxn(["b1"], B, 1); // 9
    expect((await writeMarker(B, "commit", 1)).map((r) => r.errorCode)).toEqual([ErrorCode.NONE]); // 10, epoch 1 now
    expect((await writeMarker(B, "abort", 0)).map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    const unknown = await tb.broker.context.txnMarkers.writeMarkers({ producerId: B, producerEpoch: 1, coordinatorEpoch: 0, result: "commit", partitions: [{ topic: "nope", partition: 0 }] });
    expect(unknown.map((r) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });

  test("a client's transactional batch without a coordinator to verify it is refused", async () => {
    const txn = batch(["z"], 4000n, true, 0);
    const withId = await c.call(Produce, 9, { transactionalId: "t1", acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: txn }] }] }, correlation++);
    const withoutId = await c.call(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch(["z"], 4000n, true, 0) }] }] }, correlation++);
    if (tb.broker.context.replicas.txnVerifier === null) expect(withId.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(withoutId.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  test("a restart keeps the ongoing transaction's LSO and the aborted-transaction index", async () => {
    await appendTxn(["c0"], C, 0); // 11
    await appendPlain(["p3"]); // 12
    const lso = (await fetch(0n, 1)).lastStableOffset;
    expect(lso).toBe(11n);
    c.close();
    await tb.stop();
    await start();
    const again = await fetch(0n, 1);
    expect(again.lastStableOffset).toBe(11n);
    expect(again.highWatermark).toBe(13n);
    expect(again.abortedTransactions).toEqual([{ producerId: A, firstOffset: 2n }]);
    expect(await latest(1)).toBe(11n);
    expect((await writeMarker(C, "abort")).map((r) => r.errorCode)).toEqual([ErrorCode.NONE]); // 13
    const done = await fetch(0n, 1);
    expect(done.lastStableOffset).toBe(14n);
    expect(done.abortedTransactions).toEqual([
      { producerId: A, firstOffset: 2n },
      { producerId: C, firstOffset: 11n },
    ]);
  });

  test("kcat and confluent-kafka-python with isolation.level=read_committed see committed records only", async () => {
    // One more open transaction: nothing from it (nor after it) may be read.
    await appendTxn(["d0"], 5000n, 0); // 14
    await appendPlain(["p4"]); // 15
    const expected = ["p0", "p1", "b0", "p2", "b1", "p3"];
    const kcat = await runClient([KCAT, "-C", "-b", tb.bootstrap, "-t", TOPIC, "-o", "beginning", "-e", "-q", "-X", "isolation.level=read_committed", "-f", "%s\n"], 30_000);
    expect(kcat.exitCode).toBe(0);
    expect(kcat.stdout.split("\n").filter((l) => l !== "")).toEqual(expected);
    const uncommitted = await runClient([KCAT, "-C", "-b", tb.bootstrap, "-t", TOPIC, "-o", "beginning", "-e", "-q", "-X", "isolation.level=read_uncommitted", "-f", "%s\n"], 30_000);
    expect(uncommitted.stdout.split("\n").filter((l) => l !== "")).toEqual(["p0", "p1", "a0", "a1", "b0", "p2", "a2", "b1", "c0", "p3", "d0", "p4"]);
    const script = `
import json, sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "txn-data-py", "isolation.level": "read_committed", "enable.auto.commit": False, "enable.partition.eof": True})
c.assign([TopicPartition(sys.argv[2], 0, 0)])
out = []
for _ in range(200):
    m = c.poll(1.0)
    if m is None: continue
    if m.error():
        if m.error().code() == -191: break
        raise SystemExit(str(m.error()))
    out.append(m.value().decode())
print(json.dumps(out))
c.close()
`;
    const py = await runClient([PYTHON, "-c", script, tb.bootstrap, TOPIC], 60_000);
    expect(py.exitCode).toBe(0);
    expect(JSON.parse(py.stdout.trim())).toEqual(expected);
  }, 120_000);
});
