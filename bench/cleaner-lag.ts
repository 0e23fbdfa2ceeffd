#!/usr/bin/env bun
/**
 * How long one cleaning stalls the event loop, in-process: a compacted log of 100,000 records of
 * 1 KiB over 10,000 keys (about 104 MB, 8 MiB segments) in a temp directory is cleaned with a
 * 128 MiB offset map while a 5 ms interval timer records how late it fires. Prints the offset map's
 * allocation time, the cleaning's wall time, the largest lag and every lag over 30 ms.
 *
 * Usage: bun bench/cleaner-lag.ts
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildRecordBatch } from "../src/protocol/record-batch.ts";
import { cleanLog } from "../src/storage/cleaner/clean-log.ts";
import { OffsetMap } from "../src/storage/cleaner/offset-map.ts";
import { IoThrottle } from "../src/storage/cleaner/throttle.ts";
import { PartitionLog } from "../src/storage/partition-log.ts";

const TICK_MS = 5;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "takhin-cleaner-lag-"));
try {
  const log = PartitionLog.open(dir, "t", 0, { segmentBytes: 8 << 20, preallocate: false, compact: true, minCleanableDirtyRatio: 0 });
  const enc = new TextEncoder();
  const value = new Uint8Array(1024);
  for (let i = 0; i < 100_000; i += 10) {
    log.append(buildRecordBatch({ records: Array.from({ length: 10 }, (_, j) => ({ key: enc.encode(`k${(i + j) % 10_000}`), value })) }));
  }
  log.rollNow();
  let maxLagMs = 0;
  let last = performance.now();
  const stalls: number[] = [];
  const timer = setInterval(() => {
    const now = performance.now();
    const lag = now - last - TICK_MS;
    maxLagMs = Math.max(maxLagMs, lag);
    if (lag > 30) stalls.push(Math.round(lag));
    last = now;
  }, TICK_MS);
  const t0 = performance.now();
  const map = new OffsetMap(128 << 20);
  const allocMs = performance.now() - t0;
  const stats = await cleanLog(log, 0, map, new IoThrottle(Infinity), Date.now());
  clearInterval(timer);
  console.log(`offset map allocation ${allocMs.toFixed(1)} ms; cleaned ${(stats.dirtyBytesMapped / 1e6).toFixed(1)} MB in ${(performance.now() - t0).toFixed(0)} ms; max event-loop lag ${maxLagMs.toFixed(0)} ms; lags over 30 ms: ${stalls.join(", ") || "none"}`);
  log.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
