/**
 * What the Admin API shows of data integrity (issue 26, docs/data-integrity.md), read from the log
 * manager: the scrubber's settings, totals and per-partition status (src/storage/scrub), and the
 * corrupt ranges each hosted log knows. Plain JSON-ready objects (snake_case); `scrubNow` runs a
 * scrub pass and answers when it is done.
 */
import type { BrokerContext } from "../server/context.ts";
import { ADMIN_API_MAX_LIST_ENTRIES } from "../limits.ts";

export interface CorruptRangeView {
  file: string;
  position: number;
  size_bytes: number;
  first_offset: number;
  end_offset: number;
  reason: string;
  detail: string;
  detected_by: string;
  detected_at_ms: number;
}

export interface PartitionIntegrityView {
  topic: string;
  partition: number;
  last_scrub_ms: number;
  last_pass_ms: number;
  scrubbed_bytes: number;
  scrubbed_segments: number;
  corrupt_ranges: CorruptRangeView[];
}

export function integrity(ctx: BrokerContext) {
  const logs = ctx.partitions.logs;
  const scrubber = logs.scrubber;
  const byKey = new Map<string, PartitionIntegrityView>();
  const view = (topic: string, partition: number): PartitionIntegrityView => {
    const key = `${topic}\u0000${partition}`;
    let v = byKey.get(key);
    if (!v) {
      v = { topic, partition, last_scrub_ms: -1, last_pass_ms: -1, scrubbed_bytes: 0, scrubbed_segments: 0, corrupt_ranges: [] };
      byKey.set(key, v);
    }
    return v;
  };
  for (const s of scrubber.partitions()) Object.assign(view(s.topic, s.partition), { last_scrub_ms: s.lastScrubMs, last_pass_ms: s.lastPassMs, scrubbed_bytes: s.scrubbedBytes, scrubbed_segments: s.scrubbedSegments });
  for (const tp of logs.listPartitions()) {
    const log = logs.getLog(tp.topic, tp.partition);
    if (!log || log.corrupt.size === 0) continue;
    view(tp.topic, tp.partition).corrupt_ranges = log.corrupt.list().map((r) => ({
      file: r.file,
      position: r.position,
      size_bytes: r.sizeBytes,
      first_offset: r.firstOffset,
      end_offset: r.endOffset,
      reason: r.reason,
      detail: r.detail,
      detected_by: r.detectedBy,
      detected_at_ms: r.detectedAtMs,
    }));
  }
  const partitions = [...byKey.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return {
    scrub: {
      bytes_per_second: scrubber.bytesPerSecond,
      interval_ms: scrubber.intervalMs,
      passes: scrubber.totals.passes,
      scrubbed_segments: scrubber.totals.segments,
      scrubbed_bytes: scrubber.totals.bytes,
      corrupt_batches: scrubber.totals.corruptBatches,
      index_repairs: scrubber.totals.indexRepairs,
    },
    corrupt_ranges_detected: { ...logs.corruptionTotals },
    partitions: partitions.slice(0, ADMIN_API_MAX_LIST_ENTRIES),
  };
}

/** Scrubs every sealed segment of this node's logs now (at the configured rate, unthrottled when off). */
export async function scrubNow(ctx: BrokerContext) {
  const r = await ctx.partitions.logs.scrubber.scrubNow();
  return { scrubbed_segments: r.segments, scrubbed_bytes: r.bytes, corrupt_batches: r.corruptBatches };
}
