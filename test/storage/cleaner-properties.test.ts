/**
 * Model-based property of the log cleaner on real files, through the partition (cluster/partition.ts,
 * which owns producer state, the LSO and the aborted-transaction index): random batches of puts and
 * tombstones (some gzip-compressed, some from an idempotent producer), transactional batches of
 * two transactional producers interleaved with them and ended by COMMIT or ABORT markers (some
 * left ongoing), rolls, clock moves, cleanings (some cut short by a crash at a step of the swap:
 * `.cleaned` written, `.swap` committed, sources half deleted), crashes (abandon without a clean
 * shutdown), clean restarts (producer-state snapshot) and reopens; some cleanings run while a
 * read_committed reader iterates the log from the start.
 *
 * Checked after every step, reading as a read_committed consumer does (up to the LSO, skipping the
 * records of the aborted transactions the fetch lists, as the Java consumer and librdkafka do):
 * strictly increasing offsets, only committed records that were produced (same offset, key and
 * value), and for each key exactly its latest committed value below the LSO, unless that is a
 * tombstone, which may be gone only once delete.retention.ms passed. The partition's LSO is the
 * model's (producer state survives cleaning, crash and restart; every append is accepted, so the
 * idempotent producers' sequences survive too). Read uncommitted: every record at or past the LSO
 * is there (an ongoing transaction is never cleaned); a COMMIT/ABORT marker is gone only when no
 * record of its transaction is left and delete.retention.ms passed since it was written. After a
 * completed cleaning every record at or past the cleaned point is still there unless it belongs to
 * an aborted transaction, and no record of an aborted transaction is left below it. A reader
 * running during a cleaning ends with the same table, and the views it was handed never change.
 *
 * Runs: TAKHIN_CLEANER_PROPERTY_RUNS (default 60, a few seconds); fast-check prints seed and path.
 * Replay or fix the seed: TAKHIN_PROPERTY_SEED=<seed> [TAKHIN_PROPERTY_PATH=<path>].
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import fs from "node:fs";
import { crc32c } from "../../src/native/index.ts";
import { CONTROL_BIT, TRANSACTIONAL_BIT, buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { decompress, recompressBatch } from "../../src/compression/index.ts";
import { Partition } from "../../src/cluster/partition.ts";
import { effectiveTopicConfig } from "../../src/cluster/topic-config.ts";
import { buildMarkerBatch } from "../../src/cluster/txn-marker-writer.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { OffsetMap } from "../../src/storage/cleaner/offset-map.ts";
import { IoThrottle } from "../../src/storage/cleaner/throttle.ts";
import { SimulatedCrash, cleanLog, type CrashPoint } from "../../src/storage/cleaner/clean-log.ts";
import { makeTempDir } from "./temp-dir.ts";

const RUNS = Number(process.env.TAKHIN_CLEANER_PROPERTY_RUNS ?? 60);
const REPLAY: { seed?: number; path?: string } = process.env.TAKHIN_PROPERTY_SEED
  ? { seed: Number(process.env.TAKHIN_PROPERTY_SEED), path: process.env.TAKHIN_PROPERTY_PATH }
  : {};
const DELETE_RETENTION_MS = 1000;
const enc = new TextEncoder();
const dec = new TextDecoder();

const TXN_PRODUCERS = 2;
/** Transactional producers' ids: TXN_PID_BASE + n. The idempotent (non-transactional) one is 7. */
const TXN_PID_BASE = 100;
const IDEMPOTENT_PID = 7;

type Rec = { key: number; value: number | null };
type Op =
  | { kind: "batch"; records: Rec[]; gzip: boolean; producer: boolean }
  | { kind: "txn-batch"; producer: number; records: Rec[]; gzip: boolean }
  | { kind: "end-txn"; producer: number; commit: boolean }
  | { kind: "roll" }
  | { kind: "advance"; ms: number }
  | { kind: "clean"; mapBytes: number; crashAt: CrashPoint | null; withReader: boolean }
  | { kind: "crash" }
  | { kind: "restart" };

const recordsArb = fc.array(fc.record({ key: fc.integer({ min: 0, max: 11 }), value: fc.option(fc.integer({ min: 0, max: 999 }), { freq: 4 }) }), { minLength: 1, maxLength: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("batch" as const), records: recordsArb, gzip: fc.boolean(), producer: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("txn-batch" as const), producer: fc.integer({ min: 0, max: TXN_PRODUCERS - 1 }), records: recordsArb, gzip: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("end-txn" as const), producer: fc.integer({ min: 0, max: TXN_PRODUCERS - 1 }), commit: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ kind: "roll" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 1500 }) }) },
  { weight: 3, arbitrary: fc.record({
    kind: fc.constant("clean" as const),
    mapBytes: fc.constantFrom(64, 160, 1 << 16),
    crashAt: fc.constantFrom<CrashPoint | null>(null, null, "cleaned-written", "swap-committed", "sources-half-deleted"),
    withReader: fc.boolean(),
  }) },
  { weight: 1, arbitrary: fc.constant({ kind: "crash" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
);

/** A transaction of the model: its producer, first offset, outcome, and marker (offset, time). */
interface Txn {
  pid: number;
  firstOffset: number;
  outcome: "ongoing" | "commit" | "abort";
  markerOffset: number;
  markerTsMs: number;
}

interface Produced {
  key: string;
  value: string | null;
  tsMs: number;
  txn: Txn | null;
}

interface ReadRecord {
  offset: number;
  key: string;
  value: string | null;
}

interface ReadBatch {
  baseOffset: number;
  lastOffset: number;
  producerId: number;
  transactional: boolean;
  control: boolean;
  /** For a control batch: its control type (0 ABORT, 1 COMMIT), or null when it holds no record. */
  controlType: number | null;
  records: ReadRecord[];
}

function decodeBatches(views: Uint8Array[]): ReadBatch[] {
  const out: ReadBatch[] = [];
  for (const chunk of views) {
    let pos = 0;
    while (pos < chunk.length) {
      const h = readBatchHeader(chunk, pos);
      const size = 12 + h.batchLength;
      const body = chunk.subarray(pos + 61, pos + size);
      const plain = (h.attributes & 7) === 0 ? body : decompress(h.attributes & 7, body);
      const control = (h.attributes & CONTROL_BIT) !== 0;
      const b: ReadBatch = {
        baseOffset: Number(h.baseOffset),
        lastOffset: Number(h.baseOffset) + h.lastOffsetDelta,
        producerId: Number(h.producerId),
        transactional: (h.attributes & TRANSACTIONAL_BIT) !== 0,
        control,
        controlType: null,
        records: [],
      };
      for (const r of iterateRecords(plain, h.recordCount)) {
        if (control) {
          b.controlType = new DataView(r.key!.buffer, r.key!.byteOffset, r.key!.byteLength).getInt16(2);
          continue;
        }
        b.records.push({ offset: b.baseOffset + r.offsetDelta, key: dec.decode(r.key!), value: r.value === null ? null : dec.decode(r.value) });
      }
      out.push(b);
      pos += size;
    }
  }
  return out;
}

/** What a read_committed consumer keeps of one fetch response (the Java consumer's and librdkafka's rule). */
function committedRecords(batches: ReadBatch[], aborted: { producerId: bigint; firstOffset: number }[]): ReadRecord[] {
  const queue = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedPids = new Set<number>();
  const out: ReadRecord[] = [];
  for (const b of batches) {
    while (queue.length > 0 && queue[0]!.firstOffset <= b.lastOffset) abortedPids.add(Number(queue.shift()!.producerId));
    if (b.control) {
      if (b.controlType === 0) abortedPids.delete(b.producerId);
      continue;
    }
    if (b.transactional && abortedPids.has(b.producerId)) continue;
    out.push(...b.records);
  }
  return out;
}

function nextOffsetAfter(views: Uint8Array[]): number {
  const last = views[views.length - 1];
  let pos = 0;
  let lastStart = 0;
  while (pos < last.length) {
    lastStart = pos;
    pos += 12 + readBatchHeader(last, pos).batchLength;
  }
  const h = readBatchHeader(last, lastStart);
  return Number(h.baseOffset) + h.lastOffsetDelta + 1;
}

/** Every batch from the log start up to the high watermark (read uncommitted). */
function readUncommitted(log: PartitionLog): ReadBatch[] {
  const views: Uint8Array[] = [];
  let offset = log.logStartOffset;
  while (offset < log.highWatermark) {
    const r = log.read(offset, 1 << 20);
    if (r.batches.length === 0) break;
    views.push(...r.batches);
    offset = nextOffsetAfter(r.batches);
  }
  return decodeBatches(views);
}

/** A read_committed consumer from the log start, one fetch of up to `maxBytes` at a time. */
function readCommitted(partition: Partition, maxBytes = 1 << 20): ReadRecord[] {
  const out: ReadRecord[] = [];
  let offset = partition.logStartOffset;
  for (;;) {
    const r = partition.read(offset, maxBytes, true, true);
    if (r.records.length === 0) break;
    out.push(...committedRecords(decodeBatches(r.records), r.abortedTransactions ?? []));
    offset = nextOffsetAfter(r.records);
  }
  return out;
}

/** A read_committed reader that yields after every one-batch fetch, keeping the views and their CRCs. */
async function slowReader(partition: Partition): Promise<{ records: ReadRecord[]; intact: boolean }> {
  const held: { view: Uint8Array; crc: number }[] = [];
  const out: ReadRecord[] = [];
  let offset = partition.logStartOffset;
  for (;;) {
    const r = partition.read(offset, 1, true, true);
    if (r.records.length === 0) break;
    for (const view of r.records) held.push({ view, crc: crc32c(view) });
    out.push(...committedRecords(decodeBatches(r.records), r.abortedTransactions ?? []));
    offset = nextOffsetAfter(r.records);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { records: out, intact: held.every((x) => crc32c(x.view) === x.crc) };
}

function visible(p: Produced): boolean {
  return p.txn === null || p.txn.outcome === "commit";
}

function checkCommitted(read: ReadRecord[], produced: Map<number, Produced>, lso: number, nowMs: number, label: string): void {
  for (let i = 1; i < read.length; i++) if (!(read[i].offset > read[i - 1].offset)) throw new Error(`${label}: offsets not increasing at ${read[i].offset}`);
  for (const r of read) {
    const p = produced.get(r.offset);
    if (!p || p.key !== r.key || p.value !== r.value) throw new Error(`${label}: record at ${r.offset} was not produced so`);
    if (!visible(p)) throw new Error(`${label}: record at ${r.offset} of an ${p.txn!.outcome} transaction of producer ${p.txn!.pid} read committed`);
    if (r.offset >= lso) throw new Error(`${label}: record at ${r.offset} at or past the LSO ${lso}`);
  }
  const latest = new Map<string, Produced>();
  for (const [offset, p] of [...produced.entries()].sort((a, b) => a[0] - b[0])) if (offset < lso && visible(p)) latest.set(p.key, p);
  const seen = new Map<string, string | null>();
  for (const r of read) seen.set(r.key, r.value);
  for (const [key, p] of latest) {
    if (p.value !== null) {
      if (seen.get(key) !== p.value) throw new Error(`${label}: key ${key} reads ${seen.get(key)}, latest is ${p.value}`);
    } else if (seen.has(key)) {
      if (seen.get(key) !== null) throw new Error(`${label}: deleted key ${key} reads ${seen.get(key)}`);
    } else if (nowMs - p.tsMs <= DELETE_RETENTION_MS) {
      throw new Error(`${label}: tombstone of ${key} gone before delete.retention.ms`);
    }
  }
}

function checkUncommitted(batches: ReadBatch[], produced: Map<number, Produced>, txns: Txn[], lso: number, nowMs: number, label: string): Set<number> {
  const have = new Set<number>();
  let previous = -1;
  for (const b of batches) {
    if (b.baseOffset <= previous) throw new Error(`${label}: batch at ${b.baseOffset} after ${previous}`);
    previous = b.lastOffset;
    for (const r of b.records) {
      const p = produced.get(r.offset);
      if (!p || p.key !== r.key || p.value !== r.value) throw new Error(`${label}: record at ${r.offset} was not produced so`);
      have.add(r.offset);
    }
    if (b.control && b.controlType !== null) have.add(b.baseOffset);
  }
  for (const offset of produced.keys()) if (offset >= lso && !have.has(offset)) throw new Error(`${label}: record ${offset} at or past the LSO ${lso} is gone`);
  for (const t of txns) {
    if (t.outcome === "ongoing" || have.has(t.markerOffset)) continue;
    if (nowMs - t.markerTsMs <= DELETE_RETENTION_MS) throw new Error(`${label}: marker at ${t.markerOffset} gone before delete.retention.ms`);
    for (const [offset, p] of produced) {
      if (p.txn === t && have.has(offset)) throw new Error(`${label}: marker at ${t.markerOffset} gone while its record ${offset} is left`);
    }
  }
  return have;
}

const seen = { recordsRemoved: 0, abortedRecordsRemoved: 0, markersRemoved: 0, segmentsSwapped: 0, crashes: 0, restarts: 0, readers: 0, commits: 0, aborts: 0 };
const topic = { name: "t", id: "AAAAAAAAAAAAAAAAAAAAAQ", partitions: 1, configs: { "cleanup.policy": "compact" }, internal: false };

test("cleaner model: latest committed value per key, aborted records and spent markers go, nothing past the LSO is cleaned, crash-safe swap, consistent concurrent reader", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80, size: "max" }), async (ops) => {
      const dir = makeTempDir("cleaner-prop");
      let now = 1_700_000_000_000;
      const clock = () => now;
      const config = { segmentBytes: 1024, preallocate: false, compact: true, minCleanableDirtyRatio: 0, deleteRetentionMs: DELETE_RETENTION_MS };
      const open = () => {
        const log = PartitionLog.open(dir, "t", 0, config, { clock });
        return new Partition(topic, 0, log, effectiveTopicConfig(topic));
      };
      let partition = open();
      const produced = new Map<number, Produced>();
      const txns: Txn[] = [];
      const ongoing = new Map<number, Txn>();
      const sequences = new Map<number, number>();
      let cleanerOffset = 0;
      const append = (batch: Uint8Array, what: string) => {
        const r = partition.appendAsLeader(batch, { origin: "coordinator", nowMs: now });
        if (r.errorCode !== ErrorCode.NONE) throw new Error(`${what} refused: error ${r.errorCode} ${r.errorMessage}`);
        return Number(r.baseOffset);
      };
      const dataBatch = (records: Rec[], pid: number, transactional: boolean, gzip: boolean) => {
        const sequence = sequences.get(pid) ?? 0;
        if (pid >= 0) sequences.set(pid, sequence + records.length);
        const batch = buildRecordBatch({
          baseTimestampMs: BigInt(now),
          attributes: transactional ? TRANSACTIONAL_BIT : 0,
          producerId: BigInt(pid),
          producerEpoch: pid >= 0 ? 0 : -1,
          baseSequence: pid >= 0 ? sequence : -1,
          records: records.map((r) => ({ key: enc.encode(`k${r.key}`), value: r.value === null ? null : enc.encode(`v${r.value}`) })),
        });
        return gzip ? recompressBatch(batch, 1) : batch;
      };
      const note = (base: number, records: Rec[], txn: Txn | null) =>
        records.forEach((r, i) => produced.set(base + i, { key: `k${r.key}`, value: r.value === null ? null : `v${r.value}`, tsMs: now, txn }));
      const lso = () => {
        let min = partition.highWatermark;
        for (const t of ongoing.values()) min = Math.min(min, t.firstOffset);
        return min;
      };
      const reopen = () => {
        partition = open();
        cleanerOffset = 0; // the checkpoint may lag: cleaning again from the start must be safe
      };
      try {
        for (const op of ops) {
          if (op.kind === "batch") {
            const pid = op.producer ? IDEMPOTENT_PID : -1;
            note(append(dataBatch(op.records, pid, false, op.gzip), "batch"), op.records, null);
          } else if (op.kind === "txn-batch") {
            const pid = TXN_PID_BASE + op.producer;
            const base = append(dataBatch(op.records, pid, true, op.gzip), "transactional batch");
            let t = ongoing.get(pid);
            if (t === undefined) {
              t = { pid, firstOffset: base, outcome: "ongoing", markerOffset: -1, markerTsMs: -1 };
              ongoing.set(pid, t);
              txns.push(t);
            }
            note(base, op.records, t);
          } else if (op.kind === "end-txn") {
            const pid = TXN_PID_BASE + op.producer;
            const t = ongoing.get(pid);
            if (t === undefined) continue;
            t.markerOffset = append(buildMarkerBatch(BigInt(pid), 0, 0, op.commit ? "commit" : "abort", now), "marker");
            t.markerTsMs = now;
            t.outcome = op.commit ? "commit" : "abort";
            ongoing.delete(pid);
            if (op.commit) seen.commits++;
            else seen.aborts++;
          } else if (op.kind === "roll") {
            partition.log.rollNow();
          } else if (op.kind === "advance") {
            now += op.ms;
          } else if (op.kind === "crash") {
            partition.log.abandon();
            reopen();
          } else if (op.kind === "restart") {
            partition.saveProducerState();
            partition.log.close();
            seen.restarts++;
            reopen();
          } else {
            const map = new OffsetMap(op.mapBytes);
            const throttle = new IoThrottle(Infinity);
            const reader = op.withReader && op.crashAt === null ? slowReader(partition) : null;
            try {
              const stats = await cleanLog(partition.log, cleanerOffset, map, throttle, now, { crashAt: op.crashAt ?? undefined });
              seen.recordsRemoved += stats.recordsRemoved;
              seen.abortedRecordsRemoved += stats.abortedRecordsRemoved;
              seen.markersRemoved += stats.markersRemoved;
              seen.segmentsSwapped += stats.segmentsSwapped;
              if (stats.aborted === null) {
                cleanerOffset = stats.cleanedTo;
                const have = new Set(readUncommitted(partition.log).flatMap((b) => b.records.map((r) => r.offset)));
                for (const [offset, p] of produced) {
                  const abortedTxn = p.txn !== null && p.txn.outcome === "abort";
                  if (offset >= stats.cleanedTo && !abortedTxn && !have.has(offset)) throw new Error(`record ${offset} above the cleaned point ${stats.cleanedTo} is gone`);
                  if (offset < stats.cleanedTo && abortedTxn && have.has(offset)) throw new Error(`record ${offset} of an aborted transaction below the cleaned point ${stats.cleanedTo} is left`);
                }
              }
            } catch (error) {
              if (!(error instanceof SimulatedCrash)) throw error;
              seen.crashes++;
              partition.log.abandon();
              reopen();
            }
            if (reader !== null) {
              const r = await reader;
              seen.readers++;
              if (!r.intact) throw new Error("a view handed to the reader changed during the swap");
              checkCommitted(r.records, produced, lso(), now, "concurrent reader");
            }
          }
          if (partition.lastStableOffset !== lso()) throw new Error(`${op.kind}: LSO ${partition.lastStableOffset}, the model's ${lso()}`);
          checkCommitted(readCommitted(partition), produced, lso(), now, op.kind);
          checkUncommitted(readUncommitted(partition.log), produced, txns, lso(), now, op.kind);
        }
      } finally {
        partition.log.abandon();
        fs.rmSync(dir, { recursive: true, force: true }); // 10,000 runs must not pile up folders
      }
    }),
    { numRuns: RUNS, ...REPLAY },
  );
  // The runs exercised what they claim to (a cleaner that never removes anything would pass the rest).
  expect(seen.recordsRemoved).toBeGreaterThan(0);
  expect(seen.abortedRecordsRemoved).toBeGreaterThan(0);
  // Spent markers need two ended transactions of one producer, a roll, two cleanings and time: rare
  // in a short CI run (cleaner-txn.test.ts removes one on purpose); required in a long run.
  if (RUNS >= 1000) expect(seen.markersRemoved).toBeGreaterThan(0);
  expect(seen.segmentsSwapped).toBeGreaterThan(0);
  expect(seen.crashes).toBeGreaterThan(0);
  expect(seen.readers).toBeGreaterThan(0);
  console.log(`cleaner property: ${RUNS} runs`, seen);
}, 3_600_000);
