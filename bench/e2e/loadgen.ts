/**
 * The load generator, run as its own process so that its CPU is not the broker's:
 *
 *   bun bench/e2e/loadgen.ts '<json spec>'
 *
 * Modes (spec.mode):
 *   setup    creates a topic (CreateTopics) and optionally puts one small batch in every partition
 *   produce  pipelined Produce requests of ready-made batches (one partition per request, round-robin)
 *   consume  Fetch from an offset of one partition until `maxBytes` or the high watermark
 *   latency  produces at a fixed offered load and consumes with long polling in the same process;
 *            each batch carries its scheduled send time, so the latency includes any queueing
 *            behind a slow broker (no coordinated omission)
 *
 * Prints `MARK start` and `MARK end` around the measured window (the harness samples the broker's
 * CPU at those moments) and finally `RESULT <json>`. Every run is bounded by time and volume and
 * checks its own result: error codes, contiguous offsets, every produced batch consumed.
 */
import { crc32c } from "../../src/native/index.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { summarize, type Summary } from "./stats.ts";
import { decodeResponse, KafkaConnection, requestFrame } from "./wire.ts";

const PRODUCE_VERSION = 9;
const FETCH_VERSION = 12;
const CREATE_TOPICS_VERSION = 5;
const LIST_OFFSETS_VERSION = 7;
/** A hard stop for any mode, whatever the spec says. */
const MAX_RUN_MS = 120_000;

export interface SetupSpec {
  mode: "setup";
  port: number;
  topic: string;
  partitions: number;
  /** Put one small batch into every partition (so each opens its segment). */
  touch: boolean;
  configs?: Record<string, string>;
}
export interface ProduceSpec {
  mode: "produce";
  port: number;
  topic: string;
  partitions: number;
  recordBytes: number;
  batchBytes: number;
  acks: number;
  inflight: number;
  warmupMs: number;
  durationMs: number;
  /** Stop after this many batch bytes in the measured window. */
  maxBytes: number;
}
export interface ConsumeSpec {
  mode: "consume";
  port: number;
  topic: string;
  partition: number;
  fromOffset: number;
  partitionMaxBytes: number;
  responseMaxBytes: number;
  maxBytes: number;
  timeoutMs: number;
}
export interface LatencySpec {
  mode: "latency";
  port: number;
  topic: string;
  recordBytes: number;
  /** Offered load in bytes per second of record batches. */
  rateBytesPerSec: number;
  acks: number;
  warmupMs: number;
  durationMs: number;
}
export type LoadSpec = SetupSpec | ProduceSpec | ConsumeSpec | LatencySpec;

export interface ProduceResult {
  records: number;
  bytes: number;
  /** Batch bytes acknowledged in the whole run, warm-up included. */
  totalBytes: number;
  seconds: number;
  requests: number;
  /** Time from a request's send to its response, in ms. */
  ackMs: Summary;
  errors: number;
}
export interface ConsumeResult {
  records: number;
  bytes: number;
  batches: number;
  fetches: number;
  seconds: number;
  endOffset: number;
}
export interface LatencyResult {
  offeredBytesPerSec: number;
  batchRecords: number;
  intervalMs: number;
  batches: number;
  /** Scheduled send to consumed, per batch, in ms (includes the load generator's own lag). */
  e2eMs: Summary;
  /** Actual send to consumed, per batch, in ms. */
  e2eFromSendMs: Summary;
  ackMs: Summary;
  /** How late the load generator sent each batch after its scheduled time, in ms (its own jitter). */
  sendLagMs: Summary;
  /** Batches consumed that were sent after the warm-up / all produced after warm-up. */
  consumedBatches: number;
  producedBatches: number;
  /** The largest number of produce requests waiting for an answer. */
  maxInFlight: number;
}

const MARKER = new Uint8Array([0x54, 0x41, 0x4b, 0x48, 0x49, 0x4e, 0x21, 0x21]); // "TAKHIN!!"

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A batch of records of `recordBytes` each, about `batchBytes` long; the first value starts with MARKER. */
export function makeBatch(recordBytes: number, batchBytes: number, records?: number): { batch: Uint8Array; records: number } {
  const n = records ?? Math.max(1, Math.floor((batchBytes - 61) / (recordBytes + 11)));
  let seed = 0x9e3779b9;
  const value = () => {
    const v = new Uint8Array(recordBytes);
    for (let i = 0; i < v.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      v[i] = seed >>> 24;
    }
    return v;
  };
  const recs = [];
  for (let i = 0; i < n; i++) {
    const v = value();
    if (i === 0) v.set(MARKER.subarray(0, Math.min(8, v.length)));
    recs.push({ key: null, value: v });
  }
  return { batch: buildRecordBatch({ records: recs, baseTimestampMs: BigInt(Date.now()) }), records: n };
}

function produceBody(topic: string, partition: number, acks: number, batch: Uint8Array) {
  return { transactionalId: null, acks, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
}

/** Checks a Produce response; returns the number of partition errors. */
function produceErrors(frame: Uint8Array): number {
  const res = decodeResponse(Produce, PRODUCE_VERSION, frame);
  let errors = 0;
  for (const t of res.responses) for (const p of t.partitionResponses) if (p.errorCode !== 0) errors++;
  return errors;
}

function fetchFrame(topic: string, partition: number, offset: number, partitionMaxBytes: number, responseMaxBytes: number, maxWaitMs: number): Uint8Array {
  return requestFrame(Fetch, FETCH_VERSION, 0, {
    clusterId: null,
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: responseMaxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes }] }],
    forgottenTopicsData: [],
    rackId: "",
  });
}

interface FetchedPartition {
  errorCode: number;
  highWatermark: number;
  records: Uint8Array | null;
}

function fetchedPartition(frame: Uint8Array): FetchedPartition {
  const res = decodeResponse(Fetch, FETCH_VERSION, frame);
  if (res.errorCode !== 0) throw new Error(`fetch error ${res.errorCode}`);
  const p = res.responses[0]?.partitions[0];
  if (!p) return { errorCode: 0, highWatermark: -1, records: null };
  return { errorCode: p.errorCode, highWatermark: Number(p.highWatermark), records: p.records };
}

/** Walks the complete batches of a records section: calls `each(pos, baseOffset, lastOffsetDelta, records)`. */
function walkBatches(records: Uint8Array, each: (pos: number, baseOffset: number, count: number, size: number) => void): void {
  const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let pos = 0;
  while (pos + 61 <= records.length) {
    const size = 12 + v.getInt32(pos + 8);
    if (pos + size > records.length) break; // a partial batch at the end of a fetch
    each(pos, Number(v.getBigInt64(pos)), v.getInt32(pos + 23) + 1, size);
    pos += size;
  }
}

function mark(what: "start" | "end"): void {
  console.log(`MARK ${what}`);
}

async function setup(spec: SetupSpec): Promise<unknown> {
  const c = await KafkaConnection.connect(spec.port);
  const res = await c.request(CreateTopics, CREATE_TOPICS_VERSION, {
    topics: [{
      name: spec.topic,
      numPartitions: spec.partitions,
      replicationFactor: 1,
      assignments: [],
      configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
    }],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  const err = res.topics[0].errorCode;
  if (err !== 0 && err !== 36) throw new Error(`CreateTopics ${spec.topic}: error ${err} ${res.topics[0].errorMessage}`);
  let touched = 0;
  if (spec.touch) {
    const { batch } = makeBatch(100, 200, 1);
    const pending: Promise<Uint8Array>[] = [];
    for (let p = 0; p < spec.partitions; p++) {
      pending.push(c.sendFrame(requestFrame(Produce, PRODUCE_VERSION, p, produceBody(spec.topic, p, 1, batch))));
      if (pending.length >= 64) for (const f of pending.splice(0)) if (produceErrors(await f) !== 0) throw new Error("touch produce failed");
    }
    for (const f of pending) if (produceErrors(await f) !== 0) throw new Error("touch produce failed");
    touched = spec.partitions;
  }
  c.close();
  return { created: err === 0, touched };
}

async function produce(spec: ProduceSpec): Promise<ProduceResult> {
  const c = await KafkaConnection.connect(spec.port);
  const { batch, records } = makeBatch(spec.recordBytes, spec.batchBytes);
  // One ready frame per partition; responses come back in order, so the correlation id is not used
  // and the same frame can be written again and again without changing it.
  const frames = Array.from({ length: spec.partitions }, (_, p) => requestFrame(Produce, PRODUCE_VERSION, p, produceBody(spec.topic, p, spec.acks, batch)));
  const expectResponse = spec.acks !== 0;
  const started = performance.now();
  const warmEnd = started + spec.warmupMs;
  let measuring = false;
  let measureStart = 0;
  let stopAt = Infinity;
  let bytes = 0;
  let totalBytes = 0;
  let count = 0;
  let requests = 0;
  let errors = 0;
  let next = 0;
  let done = false;
  const acks: number[] = [];
  let outstanding = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));

  const pump = () => {
    while (!done && outstanding < spec.inflight) {
      const now = performance.now();
      if (!measuring && now >= warmEnd) {
        measuring = true;
        measureStart = now;
        stopAt = now + spec.durationMs;
        mark("start");
      }
      if (now >= stopAt || bytes >= spec.maxBytes || now - started > MAX_RUN_MS) {
        done = true;
        break;
      }
      const frame = frames[next];
      next = (next + 1) % frames.length;
      const counted = measuring;
      const sentAt = now;
      outstanding++;
      c.sendFrame(frame, expectResponse).then(
        (resp) => {
          outstanding--;
          if (expectResponse) errors += produceErrors(resp);
          totalBytes += batch.length;
          if (counted) {
            bytes += batch.length;
            count += records;
            requests++;
            acks.push(performance.now() - sentAt);
          }
          if (!done) pump();
          else if (outstanding === 0) finish();
        },
        (e) => {
          console.error(`produce failed: ${(e as Error).message}`);
          errors++;
          done = true;
          outstanding--;
          if (outstanding === 0) finish();
        },
      );
      if (!expectResponse) break; // acks=0: pace on socket drain instead
    }
    if (!expectResponse && !done) void c.drained().then(() => setTimeout(pump, 0));
    if (done && outstanding === 0) finish();
  };
  pump();
  await finished;
  const seconds = (performance.now() - measureStart) / 1000;
  mark("end");
  c.close();
  if (errors > 0) throw new Error(`${errors} produce errors`);
  return { records: count, bytes, totalBytes, seconds, requests, ackMs: summarize(acks), errors };
}

async function consume(spec: ConsumeSpec): Promise<ConsumeResult> {
  const c = await KafkaConnection.connect(spec.port, "127.0.0.1", true);
  let offset = spec.fromOffset;
  let bytes = 0;
  let records = 0;
  let batches = 0;
  let fetches = 0;
  const t0 = performance.now();
  mark("start");
  for (;;) {
    if (performance.now() - t0 > Math.min(spec.timeoutMs, MAX_RUN_MS)) throw new Error(`consume timed out at offset ${offset}`);
    const p = fetchedPartition(await c.sendFrame(fetchFrame(spec.topic, spec.partition, offset, spec.partitionMaxBytes, spec.responseMaxBytes, 100)));
    fetches++;
    if (p.errorCode !== 0) throw new Error(`fetch partition error ${p.errorCode} at ${offset}`);
    if (p.records && p.records.length > 0) {
      walkBatches(p.records, (_pos, base, count, size) => {
        if (base + count <= offset) return; // a batch below the fetch offset
        if (base !== offset) throw new Error(`offset gap: expected ${offset}, got batch at ${base}`);
        offset = base + count;
        records += count;
        bytes += size;
        batches++;
      });
    }
    if (bytes >= spec.maxBytes || offset >= p.highWatermark) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  mark("end");
  c.close();
  return { records, bytes, batches, fetches, seconds, endOffset: offset };
}

async function latency(spec: LatencySpec): Promise<LatencyResult> {
  const producer = await KafkaConnection.connect(spec.port);
  const consumer = await KafkaConnection.connect(spec.port);
  // Batches sent at most every millisecond, as a client with linger.ms=1 would.
  const batchRecords = Math.max(1, Math.ceil((spec.rateBytesPerSec / 1000) / (spec.recordBytes + 11)));
  const { batch } = makeBatch(Math.max(16, spec.recordBytes), 0, batchRecords);
  const intervalMs = (batch.length / spec.rateBytesPerSec) * 1000;
  const template = requestFrame(Produce, PRODUCE_VERSION, 0, produceBody(spec.topic, 0, spec.acks, batch));
  const valueInBatch = indexOf(batch, MARKER);
  const batchInFrame = indexOf(template, MARKER) - valueInBatch;
  if (valueInBatch < 0 || batchInFrame < 0) throw new Error("marker not found");

  // The starting offset, so the consumer reads only this run's batches.
  const lo = await producer.request(ListOffsets, LIST_OFFSETS_VERSION, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: spec.topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
  });
  let fetchOffset = Number(lo.topics[0].partitions[0].offset);

  const t0 = performance.now() + 20;
  const measureFrom = t0 + spec.warmupMs;
  const sendUntil = measureFrom + spec.durationMs;
  const e2e: number[] = [];
  const e2eSend: number[] = [];
  const ackTimes: number[] = [];
  const lags: number[] = [];
  let producedAll = 0;
  let produced = 0;
  let consumedAll = 0;
  let consumed = 0;
  let errors = 0;
  let k = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let producing = true;
  let markedStart = false;

  const sendDue = () => {
    const now = performance.now();
    if (!markedStart && now >= measureFrom) {
      markedStart = true;
      mark("start");
    }
    for (;;) {
      const scheduled = t0 + k * intervalMs;
      if (scheduled > now) break;
      if (scheduled >= sendUntil || now - t0 > MAX_RUN_MS) {
        producing = false;
        return;
      }
      k++;
      const frame = template.slice();
      const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      v.setFloat64(batchInFrame + valueInBatch, scheduled);
      v.setFloat64(batchInFrame + valueInBatch + 8, performance.now());
      v.setUint32(batchInFrame + 17, crc32c(frame.subarray(batchInFrame + 21, batchInFrame + batch.length)));
      producedAll++;
      const counted = scheduled >= measureFrom;
      if (counted) {
        produced++;
        lags.push(performance.now() - scheduled);
      }
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      producer.sendFrame(frame).then(
        (resp) => {
          inFlight--;
          errors += produceErrors(resp);
          if (counted) ackTimes.push(performance.now() - scheduled);
        },
        () => {
          inFlight--;
          errors++;
        },
      );
    }
    const wait = Math.max(0, t0 + k * intervalMs - performance.now());
    setTimeout(sendDue, wait);
  };
  setTimeout(sendDue, Math.max(0, t0 - performance.now()));

  // The consumer: long polls from the starting offset until every produced batch came back.
  const hardStop = t0 + spec.warmupMs + spec.durationMs + 10_000;
  while (producing || consumedAll < producedAll) {
    if (performance.now() > hardStop) break;
    const p = fetchedPartition(await consumer.sendFrame(fetchFrame(spec.topic, 0, fetchOffset, 1 << 20, 50 << 20, 200)));
    const now = performance.now();
    if (p.errorCode !== 0) throw new Error(`latency fetch error ${p.errorCode}`);
    if (!p.records) continue;
    const rv = new DataView(p.records.buffer, p.records.byteOffset, p.records.byteLength);
    walkBatches(p.records, (pos, base, count) => {
      if (base < fetchOffset) return;
      fetchOffset = base + count;
      consumedAll++;
      const scheduled = rv.getFloat64(pos + valueInBatch);
      if (scheduled >= measureFrom && scheduled < sendUntil) {
        consumed++;
        e2e.push(now - scheduled);
        e2eSend.push(now - rv.getFloat64(pos + valueInBatch + 8));
      }
    });
  }
  mark("end");
  while (inFlight > 0 && performance.now() < hardStop) await Bun.sleep(5);
  producer.close();
  consumer.close();
  if (errors > 0) throw new Error(`${errors} produce errors in the latency run`);
  if (consumed !== produced) console.error(`latency: consumed ${consumed} of ${produced} measured batches`);
  return {
    offeredBytesPerSec: spec.rateBytesPerSec,
    batchRecords,
    intervalMs,
    batches: k,
    e2eMs: summarize(e2e),
    e2eFromSendMs: summarize(e2eSend),
    ackMs: summarize(ackTimes),
    sendLagMs: summarize(lags),
    consumedBatches: consumed,
    producedBatches: produced,
    maxInFlight,
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
  const guard = setTimeout(() => {
    console.error(`loadgen ${spec.mode}: hard time limit reached`);
    process.exit(3);
  }, MAX_RUN_MS + 15_000);
  let result: unknown;
  switch (spec.mode) {
    case "setup":
      result = await setup(spec);
      break;
    case "produce":
      result = await produce(spec);
      break;
    case "consume":
      result = await consume(spec);
      break;
    case "latency":
      result = await latency(spec);
      break;
    default:
      throw new Error(`unknown mode ${(spec as { mode: string }).mode}`);
  }
  clearTimeout(guard);
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
}

if (import.meta.main) await main();
