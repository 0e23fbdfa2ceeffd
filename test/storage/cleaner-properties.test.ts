/**
 * Model-based property of the log cleaner on real files: random batches of puts and tombstones
 * (some gzip-compressed, some from an idempotent producer), rolls, clock moves, cleanings (some
 * cut short by a crash at a step of the swap: `.cleaned` written, `.swap` committed, sources half
 * deleted), crashes (abandon without a clean shutdown) and reopens; some cleanings run while a
 * reader iterates the log from the start.
 *
 * Checked after every step: reading from the log start yields strictly increasing offsets, only
 * records that were produced (same offset, key and value), and for each key exactly its latest
 * value, unless its latest is a tombstone, which may be gone only once delete.retention.ms passed;
 * after a completed cleaning every record at or past the cleaned point is still there; a reader
 * running during a cleaning ends with the same table, and the views it was handed never change.
 *
 * Runs: TAKHIN_CLEANER_PROPERTY_RUNS (default 60, a few seconds); fast-check prints seed and path.
 * Replay: TAKHIN_PROPERTY_SEED=<seed> TAKHIN_PROPERTY_PATH=<path>.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import fs from "node:fs";
import { crc32c } from "../../src/native/index.ts";
import { buildRecordBatch, iterateRecords, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { decompress, recompressBatch } from "../../src/compression/index.ts";
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

type Op =
  | { kind: "batch"; records: { key: number; value: number | null }[]; gzip: boolean; producer: boolean }
  | { kind: "roll" }
  | { kind: "advance"; ms: number }
  | { kind: "clean"; mapBytes: number; crashAt: CrashPoint | null; withReader: boolean }
  | { kind: "crash" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant("batch" as const),
    records: fc.array(fc.record({ key: fc.integer({ min: 0, max: 11 }), value: fc.option(fc.integer({ min: 0, max: 999 }), { freq: 4 }) }), { minLength: 1, maxLength: 5 }),
    gzip: fc.boolean(),
    producer: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.constant({ kind: "roll" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 1500 }) }) },
  { weight: 2, arbitrary: fc.record({
    kind: fc.constant("clean" as const),
    mapBytes: fc.constantFrom(64, 160, 1 << 16),
    crashAt: fc.constantFrom<CrashPoint | null>(null, null, "cleaned-written", "swap-committed", "sources-half-deleted"),
    withReader: fc.boolean(),
  }) },
  { weight: 1, arbitrary: fc.constant({ kind: "crash" as const }) },
);

interface Produced {
  key: string;
  value: string | null;
  tsMs: number;
}

interface ReadRecord {
  offset: number;
  key: string;
  value: string | null;
}

function decodeAll(views: Uint8Array[]): ReadRecord[] {
  const out: ReadRecord[] = [];
  for (const chunk of views) {
    let pos = 0;
    while (pos < chunk.length) {
      const h = readBatchHeader(chunk, pos);
      const size = 12 + h.batchLength;
      const body = chunk.subarray(pos + 61, pos + size);
      const plain = (h.attributes & 7) === 0 ? body : decompress(h.attributes & 7, body);
      for (const r of iterateRecords(plain, h.recordCount)) {
        out.push({ offset: Number(h.baseOffset) + r.offsetDelta, key: dec.decode(r.key!), value: r.value === null ? null : dec.decode(r.value) });
      }
      pos += size;
    }
  }
  return out;
}

function readFromStart(log: PartitionLog): ReadRecord[] {
  const views: Uint8Array[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 1 << 20);
    if (r.batches.length === 0) break;
    views.push(...r.batches);
    const last = r.batches[r.batches.length - 1];
    let pos = 0;
    let lastStart = 0;
    while (pos < last.length) {
      lastStart = pos;
      pos += 12 + readBatchHeader(last, pos).batchLength;
    }
    const h = readBatchHeader(last, lastStart);
    offset = Number(h.baseOffset) + h.lastOffsetDelta + 1;
  }
  return decodeAll(views);
}

/** A reader that yields after every small read, keeping the views and their CRCs. */
async function slowReader(log: PartitionLog): Promise<{ records: ReadRecord[]; intact: boolean }> {
  const held: { view: Uint8Array; crc: number }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 1, { minOneBatch: true });
    if (r.batches.length === 0) break;
    const view = r.batches[0];
    held.push({ view, crc: crc32c(view) });
    const h = readBatchHeader(view, 0);
    offset = Number(h.baseOffset) + h.lastOffsetDelta + 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const intact = held.every((x) => crc32c(x.view) === x.crc);
  return { records: decodeAll(held.map((x) => x.view)), intact };
}

function checkTable(read: ReadRecord[], produced: Map<number, Produced>, nowMs: number, label: string): void {
  for (let i = 1; i < read.length; i++) if (!(read[i].offset > read[i - 1].offset)) throw new Error(`${label}: offsets not increasing at ${read[i].offset}`);
  for (const r of read) {
    const p = produced.get(r.offset);
    if (!p || p.key !== r.key || p.value !== r.value) throw new Error(`${label}: record at ${r.offset} was not produced so`);
  }
  const latest = new Map<string, Produced>();
  for (const [, p] of [...produced.entries()].sort((a, b) => a[0] - b[0])) latest.set(p.key, p);
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

const seen = { recordsRemoved: 0, segmentsSwapped: 0, crashes: 0, readers: 0 };

test("cleaner model: latest value per key, offsets increase, crash-safe swap, consistent concurrent reader", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60, size: "max" }), async (ops) => {
      const dir = makeTempDir("cleaner-prop");
      let now = 1_700_000_000_000;
      const clock = () => now;
      const config = { segmentBytes: 1024, preallocate: false, compact: true, minCleanableDirtyRatio: 0, deleteRetentionMs: DELETE_RETENTION_MS };
      let log = PartitionLog.open(dir, "t", 0, config, { clock });
      const produced = new Map<number, Produced>();
      let cleanerOffset = 0;
      let sequence = 0;
      try {
        for (const op of ops) {
          if (op.kind === "batch") {
            let batch = buildRecordBatch({
              baseTimestampMs: BigInt(now),
              producerId: op.producer ? 7n : -1n,
              producerEpoch: op.producer ? 0 : -1,
              baseSequence: op.producer ? sequence : -1,
              records: op.records.map((r) => ({ key: enc.encode(`k${r.key}`), value: r.value === null ? null : enc.encode(`v${r.value}`) })),
            });
            if (op.producer) sequence += op.records.length;
            if (op.gzip) batch = recompressBatch(batch, 1);
            const res = log.append(batch);
            op.records.forEach((r, i) => produced.set(res.baseOffset + i, { key: `k${r.key}`, value: r.value === null ? null : `v${r.value}`, tsMs: now }));
          } else if (op.kind === "roll") {
            log.rollNow();
          } else if (op.kind === "advance") {
            now += op.ms;
          } else if (op.kind === "crash") {
            log.abandon();
            log = PartitionLog.open(dir, "t", 0, config, { clock });
            cleanerOffset = 0; // the checkpoint may lag: cleaning again from the start must be safe
          } else {
            const map = new OffsetMap(op.mapBytes);
            const throttle = new IoThrottle(Infinity);
            const reader = op.withReader && op.crashAt === null ? slowReader(log) : null;
            try {
              const stats = await cleanLog(log, cleanerOffset, map, throttle, now, { crashAt: op.crashAt ?? undefined });
              seen.recordsRemoved += stats.recordsRemoved;
              seen.segmentsSwapped += stats.segmentsSwapped;
              if (stats.aborted === null) {
                cleanerOffset = stats.cleanedTo;
                const read = readFromStart(log);
                const have = new Set(read.map((r) => r.offset));
                for (const offset of produced.keys()) {
                  if (offset >= stats.cleanedTo && !have.has(offset)) throw new Error(`record ${offset} above the cleaned point ${stats.cleanedTo} is gone`);
                }
              }
            } catch (error) {
              if (!(error instanceof SimulatedCrash)) throw error;
              seen.crashes++;
              log.abandon();
              log = PartitionLog.open(dir, "t", 0, config, { clock });
              cleanerOffset = 0;
            }
            if (reader !== null) {
              const r = await reader;
              seen.readers++;
              if (!r.intact) throw new Error("a view handed to the reader changed during the swap");
              checkTable(r.records, produced, now, "concurrent reader");
            }
          }
          checkTable(readFromStart(log), produced, now, op.kind);
        }
      } finally {
        log.abandon();
        fs.rmSync(dir, { recursive: true, force: true }); // 10,000 runs must not pile up folders
      }
    }),
    { numRuns: RUNS, ...REPLAY },
  );
  // The runs exercised what they claim to (a cleaner that never removes anything would pass the rest).
  expect(seen.recordsRemoved).toBeGreaterThan(0);
  expect(seen.segmentsSwapped).toBeGreaterThan(0);
  expect(seen.crashes).toBeGreaterThan(0);
  expect(seen.readers).toBeGreaterThan(0);
  console.log(`cleaner property: ${RUNS} runs`, seen);
}, 3_600_000);
