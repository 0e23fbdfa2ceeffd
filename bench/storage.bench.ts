/**
 * Storage benchmarks (mitata): appends of 1 KiB records in 16 KiB batches and of 100 batches of
 * 10 KiB per call, read by offset, index lookup, and the recovery scan of one large segment.
 * Targets: 10 KiB-batch appends >= 2 GB/s, reads >= 3 GB/s, recovery scan >= 1 GB/s; the raw
 * append limit of the same volume into the same directory is measured alongside, as FACTS.md asks.
 *
 *   bun bench/storage.bench.ts
 *   TAKHIN_BENCH_RECOVERY_BYTES=128MiB TAKHIN_BENCH_READ_LOG_BYTES=64MiB bun bench/storage.bench.ts  (quick)
 *   TAKHIN_BENCH_DIR=/path  puts the logs elsewhere (default: the OS temp dir)
 */
import { bench, do_not_optimize, group, run, summary } from "mitata";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { nativeImplementation, tsImplementation, usingNative } from "../src/native/index.ts";
import { PartitionLog } from "../src/storage/partition-log.ts";
import { Segment } from "../src/storage/segment.ts";
import { resolveLogConfig } from "../src/storage/config.ts";
import { preallocate } from "../src/storage/file-io.ts";
import { buildBatch, concatBytes } from "../test/storage/batch-builder.ts";
import { averagesByName, envBytes, gbPerSecond, verdict } from "./storage-report.ts";

const ROOT = fs.mkdtempSync(path.join(process.env.TAKHIN_BENCH_DIR ?? os.tmpdir(), "takhin-bench-storage-"));
const RECOVERY_BYTES = envBytes("TAKHIN_BENCH_RECOVERY_BYTES", 1024 ** 3);
const READ_LOG_BYTES = envBytes("TAKHIN_BENCH_READ_LOG_BYTES", 256 * 1024 ** 2);
/**
 * Appends keep at most about this much log on disk: older segments are deleted as the bench runs,
 * which drops their dirty pages, so the runs measure the page cache rather than the disk (the
 * kernel starts throttling writers at ~10% of RAM dirty; see FACTS.md).
 */
const APPEND_KEEP_BYTES = 256 * 1024 ** 2;
const SEGMENT_BYTES = 64 * 1024 ** 2;

process.on("exit", () => fs.rmSync(ROOT, { recursive: true, force: true }));
console.log(`native addon: ${usingNative ? "loaded" : "not loaded (TypeScript fallback)"}; logs in ${ROOT}`);

function openLog(name: string): PartitionLog {
  return PartitionLog.open(path.join(ROOT, name), "bench", 0, { segmentBytes: SEGMENT_BYTES });
}

/** Keeps the appending log bounded: drop whole old segments past APPEND_KEEP_BYTES. */
function trim(log: PartitionLog): void {
  if (log.sizeBytes < APPEND_KEEP_BYTES) return;
  const bases = log.segmentBaseOffsets();
  log.deleteRecordsBefore(bases[Math.max(0, bases.length - 3)]);
}

// 1 KiB records, 16 per batch (about 16 KiB), one batch per append call.
const batch16k = buildBatch({ recordCount: 16, valueBytes: 1000 });
// 100 batches of 10 KiB in one append call (a produce request's worth).
const hundred10k = concatBytes(Array.from({ length: 100 }, (_, i) => buildBatch({ recordCount: 10, valueBytes: 1000, fill: i })));
const log16k = openLog("append-16k");
const log10k = openLog("append-10k");
const rawDir = path.join(ROOT, "raw");
fs.mkdirSync(rawDir);

/** The limit: the same bytes written into rotating files, preallocated or grown, trimmed alike. */
function rawWriter(name: string, preallocated: boolean): (bytes: Uint8Array) => void {
  const files: string[] = [];
  let fileCount = 0;
  let fd = -1;
  let position = SEGMENT_BYTES;
  return (bytes) => {
    if (position + bytes.length > SEGMENT_BYTES) {
      if (fd >= 0) fs.closeSync(fd);
      const file = path.join(rawDir, `${name}-${fileCount++}.bin`);
      files.push(file);
      fd = fs.openSync(file, "w");
      if (preallocated) preallocate(fd, 0, SEGMENT_BYTES);
      position = 0;
      while (files.length * SEGMENT_BYTES > APPEND_KEEP_BYTES) fs.rmSync(files.shift() as string, { force: true });
    }
    fs.writeSync(fd, bytes, 0, bytes.length, position);
    position += bytes.length;
  };
}
const rawPreallocated = rawWriter("pre-1m", true);
const rawGrowing = rawWriter("grow-1m", false);
const rawPreallocated16k = rawWriter("pre-16k", true);

// Each raw limit runs right before its log counterpart, so both see the same page-cache state.
group("append 16 KiB batches", () => {
  summary(() => {
    bench("raw write of the same 16 KiB, preallocated file (limit)", () => rawPreallocated16k(batch16k));
    bench("append 16 KiB batch (16 x 1 KiB records)", () => {
      log16k.append(batch16k);
      trim(log16k);
    });
  });
});

group("append 100 x 10 KiB batches", () => {
  summary(() => {
    bench("raw write of the same 1 MiB, preallocated file (limit)", () => rawPreallocated(hundred10k));
    bench("append 100 x 10 KiB batches", () => {
      log10k.append(hundred10k);
      trim(log10k);
    });
    bench("raw write of the same 1 MiB, growing file", () => rawGrowing(hundred10k));
  });
});

// A log of 16 KiB batches for reads and index lookups.
const readLog = PartitionLog.open(path.join(ROOT, "read"), "bench", 0, { segmentBytes: 1024 ** 3 });
{
  const chunk = concatBytes(Array.from({ length: 64 }, () => buildBatch({ recordCount: 16, valueBytes: 1000 })));
  while (readLog.sizeBytes < READ_LOG_BYTES) readLog.append(chunk);
}
const readEnd = readLog.logEndOffset;
let readCursor = 0;
const READ_MAX_BYTES = 1024 * 1024;
const segment = readLog.segmentList()[0];
const indexEntries = segment.indexEntries().length;
const keys = new Uint32Array(indexEntries);
segment.indexEntries().forEach((e, i) => (keys[i] = e.offset));
let lookupCursor = 0;
let readBytesReturned = 0;
let readCalls = 0;

group("read", () => {
  bench("read 1 MiB by offset (views of the mapping)", () => {
    readCursor = (readCursor + 7919) % readEnd;
    const result = readLog.read(readCursor, READ_MAX_BYTES);
    readBytesReturned += result.sizeBytes;
    readCalls++;
    do_not_optimize(result);
  });
  bench("read 1 MiB by offset + CRC of the bytes (touches every byte)", () => {
    readCursor = (readCursor + 7919) % readEnd;
    const result = readLog.read(readCursor, READ_MAX_BYTES);
    let crc = 0;
    for (const view of result.batches) crc = (nativeImplementation ?? tsImplementation).crc32c(view, crc);
    do_not_optimize(crc);
  });
});

group(`index lookup (${indexEntries} entries)`, () => {
  summary(() => {
    bench("segment.positionOf(offset) (index + header walk)", () => {
      lookupCursor = (lookupCursor + 104729) % readEnd;
      do_not_optimize(segment.positionOf(lookupCursor));
    });
    if (nativeImplementation) {
      const native = nativeImplementation;
      bench("floorIndex native", () => {
        lookupCursor = (lookupCursor + 104729) % readEnd;
        do_not_optimize(native.floorIndex(keys, indexEntries, lookupCursor));
      });
    }
    bench("floorIndex typescript", () => {
      lookupCursor = (lookupCursor + 104729) % readEnd;
      do_not_optimize(tsImplementation.floorIndex(keys, indexEntries, lookupCursor));
    });
  });
});

const result = await run();
const avg = averagesByName(result);
const appendNs = avg.get("append 100 x 10 KiB batches") ?? Infinity;
const append16Ns = avg.get("append 16 KiB batch (16 x 1 KiB records)") ?? Infinity;
const rawNs = avg.get("raw write of the same 1 MiB, preallocated file (limit)") ?? Infinity;
const rawGrowNs = avg.get("raw write of the same 1 MiB, growing file") ?? Infinity;
const raw16Ns = avg.get("raw write of the same 16 KiB, preallocated file (limit)") ?? Infinity;
const readNs = avg.get("read 1 MiB by offset (views of the mapping)") ?? Infinity;
const readTouchNs = avg.get("read 1 MiB by offset + CRC of the bytes (touches every byte)") ?? Infinity;
const avgReadBytes = readCalls > 0 ? readBytesReturned / readCalls : READ_MAX_BYTES;

// Recovery scan: one segment of RECOVERY_BYTES, scanned with CRC checks and index rebuild.
const recoveryDir = path.join(ROOT, "recovery");
{
  const log = PartitionLog.open(recoveryDir, "bench", 0, { segmentBytes: Math.min(2 ** 31 - 1, RECOVERY_BYTES + SEGMENT_BYTES) });
  const chunk = concatBytes(Array.from({ length: 64 }, () => buildBatch({ recordCount: 16, valueBytes: 1000 })));
  while (log.sizeBytes + chunk.length <= RECOVERY_BYTES) log.append(chunk);
  log.close();
}
const recoverySize = fs.statSync(path.join(recoveryDir, "00000000000000000000.log")).size;
const recoveryConfig = resolveLogConfig({ segmentBytes: Math.min(2 ** 31 - 1, RECOVERY_BYTES + SEGMENT_BYTES) });
const recoveryTimesMs: number[] = [];
for (let i = 0; i < 4; i++) {
  const started = performance.now();
  const { segment: loaded } = Segment.load(recoveryDir, 0, recoveryConfig, { recover: true, nextSegmentBase: -1, nowMs: Date.now() });
  recoveryTimesMs.push(performance.now() - started);
  loaded.close();
}
const recoveryMs = recoveryTimesMs.slice(1).sort((a, b) => a - b)[1]; // median of the warm runs
console.log(`\nrecovery scan of ${(recoverySize / 1024 ** 2).toFixed(0)} MiB (page cache warm): ${recoveryTimesMs.map((t) => t.toFixed(0)).join(", ")} ms`);

console.log("\nThroughput:");
console.log(`  append 16 KiB batches        ${gbPerSecond(batch16k.length, append16Ns).toFixed(2)} GB/s (raw write of the same 16 KiB: ${gbPerSecond(batch16k.length, raw16Ns).toFixed(2)} GB/s)`);
console.log(`  append 100 x 10 KiB batches  ${gbPerSecond(hundred10k.length, appendNs).toFixed(2)} GB/s`);
console.log(`  raw write, same volume       ${gbPerSecond(hundred10k.length, rawNs).toFixed(2)} GB/s preallocated (limit), ${gbPerSecond(hundred10k.length, rawGrowNs).toFixed(2)} GB/s growing`);
console.log(`  read by offset (views)       ${gbPerSecond(avgReadBytes, readNs).toFixed(2)} GB/s (${(avgReadBytes / 1024).toFixed(0)} KiB per read)`);
console.log(`  read + touch every byte      ${gbPerSecond(avgReadBytes, readTouchNs).toFixed(2)} GB/s`);
console.log(`  recovery scan                ${gbPerSecond(recoverySize, recoveryMs * 1e6).toFixed(2)} GB/s`);
console.log("");
verdict("append of 10 KiB batches", gbPerSecond(hundred10k.length, appendNs), 2,
  `raw positional writes of the same bytes into a preallocated file ran at ${gbPerSecond(hundred10k.length, rawNs).toFixed(2)} GB/s in this run: the page cache sets the limit (first touch of memory, dirty-page throttling), and the log adds ${(((appendNs - rawNs) / rawNs) * 100).toFixed(0)}% over it`);
verdict("read by offset", gbPerSecond(avgReadBytes, readNs), 3,
  "reads walk batch headers through the mapping; page faults on first touch of cold pages dominate");
verdict("recovery scan", gbPerSecond(recoverySize, recoveryMs * 1e6), 1,
  `the scan reads the file with positional reads (so a torn tail can still be cut) and checks every CRC (${usingNative ? "native" : "TypeScript"})`);
readLog.close();
log16k.close();
log10k.close();
