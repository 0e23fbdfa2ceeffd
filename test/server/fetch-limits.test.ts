/**
 * Fetch limits and waits through real Fetch requests: the broker's fetch.max.bytes caps a response
 * whatever max_bytes the client asks (up to 2^31-1), keeping Kafka's KIP-74 rule (the first batch
 * of the first partition with data comes even above the limits); an empty fetch session waits in
 * the fetch purgatory for max_wait_ms (no sleep), and answers when it expires.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { DEFAULT_FETCH_MAX_BYTES } from "../../src/limits.ts";
import { RawClient, removeDir, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const INT32_MAX = 2 ** 31 - 1;
let tb: TestBroker;
let c: RawClient;
let correlation = 1;
const batchBytes: number[] = [];

beforeAll(async () => {
  tb = await startTestBroker({ autoCreateTopicsEnable: false });
  tb.broker.context.topics.create("big", 2);
  c = await RawClient.connect(tb.port);
  for (const partition of [0, 1]) {
    for (let i = 0; i < 8; i++) {
      const records = buildRecordBatch({ records: [{ key: null, value: new Uint8Array(10_000).fill(i) }] });
      if (partition === 0) batchBytes.push(records.length);
      const res = await c.call(Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "big", partitionData: [{ index: partition, records }] }] }, correlation++);
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
  }
});
afterAll(async () => {
  c.close();
  await tb.stop();
  removeDir(tb.dataDir);
});

function fetchBody(partitions: number[], opts: { maxBytes?: number; maxWaitMs?: number; sessionId?: number; sessionEpoch?: number } = {}) {
  return {
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: opts.maxBytes ?? INT32_MAX,
    isolationLevel: 0,
    sessionId: opts.sessionId ?? 0,
    sessionEpoch: opts.sessionEpoch ?? -1,
    topics: partitions.length === 0 ? [] : [{ topic: "big", topicId: "AAAAAAAAAAAAAAAAAAAAAA", partitions: partitions.map((p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: INT32_MAX })) }],
    forgottenTopicsData: [],
    rackId: "",
  };
}

const sizeOf = (records: Uint8Array | null) => records?.length ?? 0;

describe("fetch.max.bytes", () => {
  test("the default is Kafka's 55 MiB", () => {
    expect(tb.broker.context.replicas.fetchMaxBytes).toBe(DEFAULT_FETCH_MAX_BYTES);
    expect(DEFAULT_FETCH_MAX_BYTES).toBe(57_671_680);
  });

  test("caps the response below a client's max_bytes of 2^31-1, in whole batches", async () => {
    const rm = tb.broker.context.replicas;
    rm.fetchMaxBytes = 3 * batchBytes[0]! + 100;
    try {
      const res = await c.call(Fetch, 12, fetchBody([0, 1]), correlation++);
      const [p0, p1] = res.responses[0].partitions;
      expect(sizeOf(p0.records)).toBe(batchBytes[0]! + batchBytes[1]! + batchBytes[2]!);
      expect(sizeOf(p1.records)).toBe(0);
      expect(p1.highWatermark).toBe(8n);
    } finally {
      rm.fetchMaxBytes = DEFAULT_FETCH_MAX_BYTES;
    }
  });

  test("KIP-74: a cap below one batch still returns the first batch of the first partition", async () => {
    const rm = tb.broker.context.replicas;
    rm.fetchMaxBytes = 1024;
    try {
      const res = await c.call(Fetch, 12, fetchBody([0, 1]), correlation++);
      const [p0, p1] = res.responses[0].partitions;
      expect(sizeOf(p0.records)).toBe(batchBytes[0]!);
      expect(sizeOf(p1.records)).toBe(0);
    } finally {
      rm.fetchMaxBytes = DEFAULT_FETCH_MAX_BYTES;
    }
  });

  test("a request max_bytes below the broker's cap still limits", async () => {
    const res = await c.call(Fetch, 12, fetchBody([0], { maxBytes: batchBytes[0]! * 2 }), correlation++);
    expect(sizeOf(res.responses[0].partitions[0].records)).toBe(batchBytes[0]! * 2);
  });
});

describe("an empty fetch session waits in the purgatory", () => {
  test("the wait is a delayed operation (no sleep) and it answers at max_wait_ms", async () => {
    const opened = await c.call(Fetch, 12, fetchBody([], { sessionEpoch: 0 }), correlation++);
    expect(opened.errorCode).toBe(0);
    expect(opened.sessionId).toBeGreaterThan(0);
    const waits = tb.broker.context.replicas.fetchWaits;
    const pending = c.call(Fetch, 12, fetchBody([], { sessionId: opened.sessionId, sessionEpoch: 1, maxWaitMs: 400 }), correlation++);
    for (let i = 0; i < 200 && waits.size === 0; i++) await Bun.sleep(5);
    expect(waits.size).toBe(1);
    const res = await pending;
    expect(res.errorCode).toBe(0);
    expect(res.responses).toEqual([]);
    expect(waits.size).toBe(0);
  });
});
