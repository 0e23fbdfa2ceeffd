/**
 * The open-segment-file budget: with far more segments than the budget, at most `limit` segment
 * files are open, cold ones are closed and reopened (and mapped again) on use, and every read,
 * append, truncation, retention pass and restart still sees the same log.
 */
import { afterEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { baseOffsetAt, batchSizeAt, lastOffsetAt } from "../../src/storage/batch-header.ts";
import { LogManager } from "../../src/storage/log-manager.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { segmentFiles } from "../../src/storage/segment-files.ts";
import { DEFAULT_MAX_OPEN_SEGMENT_FILES } from "../../src/limits.ts";
import { buildBatch } from "./batch-builder.ts";
import { makeTempDir } from "./temp-dir.ts";

afterEach(() => segmentFiles.setLimit(DEFAULT_MAX_OPEN_SEGMENT_FILES));

function offsets(log: PartitionLog): number[] {
  const out: number[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { batches } = log.read(offset, 1 << 20, { maxOffsetExclusive: log.logEndOffset });
    expect(batches.length).toBeGreaterThan(0);
    for (const view of batches) {
      for (let pos = 0; pos < view.length; pos += batchSizeAt(view, pos)) {
        for (let o = baseOffsetAt(view, pos); o <= lastOffsetAt(view, pos); o++) out.push(o);
        offset = lastOffsetAt(view, pos) + 1;
      }
    }
  }
  return out;
}

/** Descriptors of this process open on `.log` files under `dir` (Linux /proc). */
function openLogFds(dir: string): number {
  let n = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      const target = fs.readlinkSync(path.join("/proc/self/fd", fd));
      if (target.startsWith(dir) && target.endsWith(".log")) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

describe("segment file budget", () => {
  test("many segments under a budget of 3: reads, appends, truncation, retention and restart all work", () => {
    const dir = makeTempDir("segment-files");
    const logs = LogManager.open(dir, { maintenanceIntervalMs: 0, maxOpenSegmentFiles: 3 });
    const a = logs.openLog("a", 0, { segmentBytes: 1024, indexIntervalBytes: 128 });
    const b = logs.openLog("b", 0, { segmentBytes: 1024, indexIntervalBytes: 128 });
    const evictionsBefore = segmentFiles.evictions;
    for (let i = 0; i < 60; i++) {
      a.append(buildBatch({ recordCount: 3, valueBytes: 100 }));
      b.append(buildBatch({ recordCount: 2, valueBytes: 150 }));
    }
    expect(a.segmentCount).toBeGreaterThan(10);
    expect(b.segmentCount).toBeGreaterThan(10);
    expect(segmentFiles.openCount).toBeLessThanOrEqual(3);
    expect(openLogFds(dir)).toBeLessThanOrEqual(3);
    expect(segmentFiles.evictions).toBeGreaterThan(evictionsBefore);
    // Reading everything reopens (and maps again) every cold segment, within the budget.
    expect(offsets(a)).toEqual(Array.from({ length: 180 }, (_, i) => i));
    expect(offsets(b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(openLogFds(dir)).toBeLessThanOrEqual(3);
    // Timestamp lookups read headers of cold segments through reopened files.
    expect(a.offsetForTimestamp(0)?.offset).toBe(0);
    // Truncation into a cold segment and retention of cold segments.
    a.truncateTo(100);
    expect(a.logEndOffset).toBeLessThanOrEqual(100);
    const end = a.logEndOffset;
    expect(offsets(a)).toEqual(Array.from({ length: end }, (_, i) => i));
    a.append(buildBatch({ recordCount: 1, valueBytes: 10 }));
    expect(a.logEndOffset).toBe(end + 1);
    b.deleteRecordsBefore(60);
    expect(offsets(b)[0]).toBeLessThanOrEqual(60);
    logs.close();
    expect(segmentFiles.openCount).toBe(0);
    expect(openLogFds(dir)).toBe(0);

    const again = LogManager.open(dir, { maintenanceIntervalMs: 0, maxOpenSegmentFiles: 3 });
    const a2 = again.openLog("a", 0, { segmentBytes: 1024, indexIntervalBytes: 128 });
    const b2 = again.openLog("b", 0, { segmentBytes: 1024, indexIntervalBytes: 128 });
    expect(offsets(a2)).toEqual(Array.from({ length: end + 1 }, (_, i) => i));
    expect(offsets(b2).at(-1)).toBe(119);
    expect(openLogFds(dir)).toBeLessThanOrEqual(3);
    again.close();
  });

  test("a budget below 2 is refused", () => {
    expect(() => segmentFiles.setLimit(1)).toThrow(RangeError);
  });
});
