/**
 * The cost of verifying batches on the read path (issue 26, docs/data-integrity.md). One log of
 * TAKHIN_BENCH_VERIFY_MIB MiB (default 256) of 16 KiB batches (16 records of ~1 KiB) in 64 MiB
 * segments, read front to back in 1 MiB reads (what a consumer's Fetch asks of PartitionLog.read),
 * warm page cache, one process. Modes, interleaved over TAKHIN_BENCH_VERIFY_ROUNDS rounds (default 3):
 *   appended      bytes appended by this process: already verified, the read path only looks up
 *                 the verified ranges (the tail case: consumers reading what was just produced)
 *   first-read    the log opened again (bytes this process did not write): the first read of each
 *                 range verifies it (CRC-32C, framing, offsets, epochs) and remembers it
 *   remembered    the same ranges read again: a lookup
 *   every-read    verification forced on every read (the ranges forgotten before each read)
 *   crc-only      verifyBatches alone over the same bytes (the verification's own speed)
 * Run: bun bench/verify-on-read.ts
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PartitionLog } from "../src/storage/index.ts";
import { verifyBatches } from "../src/storage/scrub/verify.ts";
import { usingNative } from "../src/native/index.ts";
import { buildBatch } from "../test/storage/batch-builder.ts";

const totalMiB = Number(process.env.TAKHIN_BENCH_VERIFY_MIB ?? 256);
const rounds = Number(process.env.TAKHIN_BENCH_VERIFY_ROUNDS ?? 3);
const READ_BYTES = 1024 * 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "takhin-verify-bench-"));
const config = { segmentBytes: 64 * 1024 * 1024, preallocate: false };

function fill(): void {
  const log = PartitionLog.open(dir, "bench", 0, config);
  const batch = buildBatch({ recordCount: 16, valueBytes: 1000 });
  let written = 0;
  while (written < totalMiB * 1024 * 1024) {
    log.append(new Uint8Array(batch), { leaderEpoch: 0 });
    written += batch.length;
  }
  log.close();
}

/** Reads the whole log; returns MB/s (10^6 bytes). */
function readAll(log: PartitionLog, forget: boolean): number {
  const start = performance.now();
  let offset = log.logStartOffset;
  let bytes = 0;
  while (offset < log.highWatermark) {
    if (forget) for (const s of log.segmentList()) s.verified.clear();
    const r = log.read(offset, READ_BYTES);
    const last = r.batches[r.batches.length - 1];
    const v = new DataView(last.buffer, last.byteOffset, last.byteLength);
    // The last batch of the last view: its lastOffset + 1 is the next read's offset.
    let at = 0;
    let next = offset;
    while (at + 61 <= last.length) {
      next = Number(v.getBigInt64(at)) + v.getInt32(at + 23) + 1;
      at += v.getInt32(at + 8) + 12;
    }
    bytes += r.sizeBytes;
    offset = next;
  }
  return bytes / ((performance.now() - start) / 1000) / 1e6;
}

function crcOnly(log: PartitionLog): number {
  const start = performance.now();
  let bytes = 0;
  for (const s of log.segmentList()) {
    const map = s.mappedLog();
    for (let pos = 0; pos < map.length; ) {
      const r = verifyBatches(map, pos, Math.min(map.length, pos + READ_BYTES), { afterOffset: -1, offsetLimit: -1, maxLeaderEpoch: -1 });
      if (r.end <= pos) break;
      bytes += r.end - pos;
      pos = r.end;
    }
  }
  return bytes / ((performance.now() - start) / 1000) / 1e6;
}

fill();
const results: Record<string, number[]> = { appended: [], "first-read": [], remembered: [], "every-read": [], "crc-only": [] };
// "appended": a log whose bytes this process appended (the fill's own log was closed: write a copy).
for (let round = 0; round < rounds; round++) {
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "takhin-verify-bench-tail-"));
  const tail = PartitionLog.open(fresh, "tail", 0, config);
  const source = PartitionLog.open(dir, "bench", 0, config);
  for (let offset = 0; offset < source.highWatermark; ) {
    const r = source.read(offset, READ_BYTES);
    for (const view of r.batches) tail.append(new Uint8Array(view), { leaderEpoch: 0 });
    offset = tail.logEndOffset;
  }
  results.appended.push(readAll(tail, false));
  tail.close();
  source.close();
  fs.rmSync(fresh, { recursive: true, force: true });

  const opened = PartitionLog.open(dir, "bench", 0, config);
  results["first-read"].push(readAll(opened, false));
  results.remembered.push(readAll(opened, false));
  results["every-read"].push(readAll(opened, true));
  results["crc-only"].push(crcOnly(opened));
  opened.close();
}
fs.rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`verify-on-read: ${totalMiB} MiB of 16 KiB batches, 1 MiB reads, ${rounds} rounds, native addon ${usingNative ? "loaded" : "NOT loaded"}`);
console.log("| mode | MB/s (median) | rounds |");
console.log("|---|---|---|");
for (const [mode, xs] of Object.entries(results)) console.log(`| ${mode} | ${median(xs).toFixed(0)} | ${xs.map((x) => x.toFixed(0)).join(", ")} |`);
const perMiBus = (mbps: number) => (1.048576 / mbps) * 1e6;
console.log(`verification per MiB read: every-read ${(perMiBus(median(results["every-read"])) - perMiBus(median(results.remembered))).toFixed(0)} µs more than remembered`);
