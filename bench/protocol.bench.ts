/**
 * Protocol codecs on the hot paths: decode of a Produce request (what the broker does for every
 * produce) and encode of a Produce response; encode of a Fetch response (what the broker does for
 * every fetch, with record bytes spliced in, not copied) and decode of a Fetch request. Sizes: one
 * partition with a 1 MiB batch, and 16 partitions with 16 KiB batches each.
 *
 *   bun bench/protocol.bench.ts
 *
 * Every case is checked once before timing (round trip equal to the input), so a broken codec
 * fails here instead of looking fast.
 */
import { bench, do_not_optimize, run, summary } from "mitata";
import { codecFor, deepEqual } from "../src/protocol/codec.ts";
import { Fetch } from "../src/protocol/messages/fetch.ts";
import { Produce } from "../src/protocol/messages/produce.ts";
import { Reader } from "../src/protocol/reader.ts";
import { buildRecordBatch } from "../src/protocol/record-batch.ts";
import { concat, Writer } from "../src/protocol/writer.ts";

const PRODUCE_V = 9;
const FETCH_V = 12;

function batchOf(bytes: number, recordBytes: number): Uint8Array {
  const n = Math.max(1, Math.floor((bytes - 61) / (recordBytes + 11)));
  const value = new Uint8Array(recordBytes).fill(0x61);
  return buildRecordBatch({ records: Array.from({ length: n }, () => ({ key: null, value })), baseTimestampMs: 1_700_000_000_000n });
}

function produceRequest(partitions: number, batch: Uint8Array) {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: "bench", partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: batch })) }],
  };
}

function produceResponse(partitions: number) {
  return {
    responses: [{
      name: "bench",
      partitionResponses: Array.from({ length: partitions }, (_, index) => ({
        index, errorCode: 0, baseOffset: 123_456n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null,
      })),
    }],
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}

function fetchRequest(partitions: number) {
  return {
    clusterId: null, replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 52_428_800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: "bench", partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 1000n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1_048_576 })) }],
    forgottenTopicsData: [],
    rackId: "",
  };
}

function fetchResponse(partitions: number, batch: Uint8Array) {
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [],
    responses: [{
      topic: "bench",
      topicId: "AAAAAAAAAAAAAAAAAAAAAA",
      partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
        partitionIndex, errorCode: 0, highWatermark: 99_999n, lastStableOffset: 99_999n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records: batch,
      })),
    }],
  };
}

function encode(def: Parameters<typeof codecFor>[0], v: number, value: unknown): Uint8Array[] {
  const w = new Writer(1024);
  codecFor(def, v).encode(w, value);
  return w.finish();
}

/** True when every field of `want` is in `got` with an equal value (decoders add defaulted fields). */
function contains(got: unknown, want: unknown): boolean {
  if (want === null || typeof want !== "object" || want instanceof Uint8Array) return deepEqual(got, want);
  if (got === null || typeof got !== "object") return false;
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => contains(got[i], w));
  return Object.entries(want).every(([k, w]) => contains((got as Record<string, unknown>)[k], w));
}

/** Encodes, decodes, and fails unless the decoded value holds the input. */
function check(name: string, def: Parameters<typeof codecFor>[0], v: number, value: unknown): Uint8Array {
  const bytes = concat(encode(def, v, value));
  const back = codecFor(def, v).decode(new Reader(bytes));
  if (!contains(back, value)) throw new Error(`${name}: round trip differs`);
  return bytes;
}

const cases = [
  { label: "1 partition × 1 MiB batch", partitions: 1, batch: batchOf(1 << 20, 1024) },
  { label: "16 partitions × 16 KiB batches", partitions: 16, batch: batchOf(16 << 10, 100) },
];

for (const c of cases) {
  const produceBytes = check(`produce request ${c.label}`, Produce.request, PRODUCE_V, produceRequest(c.partitions, c.batch));
  check(`produce response ${c.label}`, Produce.response, PRODUCE_V, produceResponse(c.partitions));
  const fetchReqBytes = check(`fetch request ${c.label}`, Fetch.request, FETCH_V, fetchRequest(c.partitions));
  check(`fetch response ${c.label}`, Fetch.response, FETCH_V, fetchResponse(c.partitions, c.batch));
  const produceResp = produceResponse(c.partitions);
  const fetchResp = fetchResponse(c.partitions, c.batch);
  // The record bytes must be spliced into a fetch response, not copied.
  const chunks = encode(Fetch.response, FETCH_V, fetchResp);
  if (!chunks.some((ch) => ch === c.batch)) throw new Error("fetch response copied the record bytes instead of splicing them");

  summary(() => {
    bench(`decode Produce v${PRODUCE_V} request, ${c.label}`, () => do_not_optimize(codecFor(Produce.request, PRODUCE_V).decode(new Reader(produceBytes))));
    bench(`encode Produce v${PRODUCE_V} response, ${c.label}`, () => do_not_optimize(encode(Produce.response, PRODUCE_V, produceResp)));
    bench(`decode Fetch v${FETCH_V} request, ${c.label}`, () => do_not_optimize(codecFor(Fetch.request, FETCH_V).decode(new Reader(fetchReqBytes))));
    bench(`encode Fetch v${FETCH_V} response, ${c.label}`, () => do_not_optimize(encode(Fetch.response, FETCH_V, fetchResp)));
  });
}

await run();
