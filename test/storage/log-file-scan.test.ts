/**
 * scanLogFile reads a segment's file in growing chunks (64 KiB first, then 4× per step up to
 * 16 MiB), so that a file whose batches end early — a preallocated tail of zeros left by a clean
 * shutdown — costs one small read at start. Property: whatever the batch sizes (some larger than a
 * chunk, many crossing chunk boundaries) and the length of the zero tail, the scan visits every
 * batch once, in order, at its position, and ends just past the last one.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { scanLogFile, SCAN_FIRST_READ_BYTES } from "../../src/storage/log-file-scan.ts";
import { buildBatch } from "./batch-builder.ts";
import { makeTempDir } from "./temp-dir.ts";

const dir = makeTempDir("log-file-scan");

test("every batch is visited once at its position, whatever the chunk boundaries and the zero tail", () => {
  let file = 0;
  fc.assert(
    fc.property(
      fc.array(fc.record({ records: fc.integer({ min: 1, max: 4 }), valueBytes: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 20_000, max: 150_000 })) }), { minLength: 0, maxLength: 40 }),
      fc.integer({ min: 0, max: 3 * SCAN_FIRST_READ_BYTES }),
      (specs, zeroTailBytes) => {
        const batches: Uint8Array[] = [];
        let offset = 0;
        for (const [i, s] of specs.entries()) {
          batches.push(buildBatch({ baseOffset: offset, recordCount: s.records, valueBytes: s.valueBytes, fill: i % 251 }));
          offset += s.records;
        }
        const dataBytes = batches.reduce((n, b) => n + b.length, 0);
        const bytes = new Uint8Array(dataBytes + zeroTailBytes);
        const positions: number[] = [];
        let at = 0;
        for (const b of batches) {
          positions.push(at);
          bytes.set(b, at);
          at += b.length;
        }
        const p = path.join(dir, `${file++}.log`);
        fs.writeFileSync(p, bytes);
        const fd = fs.openSync(p, "r");
        try {
          const seen: { position: number; size: number; base: number }[] = [];
          const r = scanLogFile(fd, bytes.length, 0, 0, -1, true, (position, size, base) => seen.push({ position, size, base }));
          expect(seen.map((x) => x.position)).toEqual(positions);
          expect(seen.map((x) => x.size)).toEqual(batches.map((b) => b.length));
          expect(r.batchCount).toBe(batches.length);
          expect(r.endPosition).toBe(dataBytes);
          expect(r.nextOffset).toBe(offset);
        } finally {
          fs.closeSync(fd);
          fs.rmSync(p);
        }
      },
    ),
    { numRuns: 60, verbose: 1 },
  );
});
