/**
 * The scrubber (issue 26): a background task that re-reads the sealed segments of every open log
 * (all but each log's active segment) through positional reads, at most `bytesPerSecond`
 * (log_scrub_bytes_per_second; 0 turns it off), and checks
 *   - every batch (verify.ts: framing, magic, CRC-32C with the native addon, offsets, epochs),
 *   - the offset index in memory: every entry names the base offset of the batch at its position
 *     (a wrong entry and those after it are dropped: lookups walk from an earlier one),
 *   - the `.index` file against the index in memory (rewritten when they differ).
 * A segment is scrubbed again once `intervalMs` (log_scrub_interval_ms) passed since its last
 * scrub. A bad batch becomes a corrupt range of its log (PartitionLog.recordCorruption: logged once,
 * never served, handed to the owner, who heals it from a replica in a cluster).
 *
 * Work is bounded per step (SCRUB_CHUNK_BYTES read, then a yield to the event loop through the
 * throttle), so produce and fetch keep running; segments deleted or replaced meanwhile are skipped.
 */
import type { Logger } from "../../util/log.ts";
import { IoThrottle } from "../cleaner/throttle.ts";
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD_BYTES, CURRENT_MAGIC, MAGIC_POS, baseOffsetAt, batchSizeAt } from "../batch-header.ts";
import { MAX_SCANNED_BATCH_BYTES } from "../log-file-scan.ts";
import type { PartitionLog } from "../partition-log.ts";
import type { Segment } from "../segment.ts";
import { verifyBatches } from "./verify.ts";

/** Bytes read per scrub step. */
export const SCRUB_CHUNK_BYTES = 1024 * 1024;
/** Pause when every sealed segment is scrubbed recently enough. */
export const SCRUB_IDLE_MS = 10_000;

export interface ScrubberOptions {
  /** log_scrub_bytes_per_second: read rate; 0 turns the background task off (scrubNow still works). */
  bytesPerSecond: number;
  /** log_scrub_interval_ms: a segment is scrubbed again once this passed since its last scrub. */
  intervalMs: number;
  clock?: () => number;
}

export const DEFAULT_SCRUBBER_OPTIONS: ScrubberOptions = {
  bytesPerSecond: 8 * 1024 * 1024,
  intervalMs: 24 * 3600 * 1000,
};

export interface PartitionScrubStatus {
  topic: string;
  partition: number;
  /** Wall-clock end of the last scrub of one of its segments; -1 when never. */
  lastScrubMs: number;
  /** Wall-clock end of the last complete pass over its sealed segments; -1 when never. */
  lastPassMs: number;
  scrubbedBytes: number;
  scrubbedSegments: number;
}

export interface ScrubTotals {
  passes: number;
  segments: number;
  bytes: number;
  corruptBatches: number;
  indexRepairs: number;
}

type SegmentOutcome = "clean" | "corrupt" | "skipped";

export class Scrubber {
  private readonly throttle: IoThrottle;
  private readonly lastScrubbed = new WeakMap<Segment, number>();
  private readonly status = new Map<string, PartitionScrubStatus>();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private readonly clock: () => number;
  readonly totals: ScrubTotals = { passes: 0, segments: 0, bytes: 0, corruptBatches: 0, indexRepairs: 0 };

  constructor(
    private readonly logs: () => Iterable<PartitionLog>,
    private options: ScrubberOptions,
    private readonly logger: Logger,
  ) {
    this.clock = options.clock ?? Date.now;
    this.throttle = new IoThrottle(options.bytesPerSecond > 0 ? options.bytesPerSecond : Infinity);
  }

  get bytesPerSecond(): number {
    return this.options.bytesPerSecond;
  }

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  start(): void {
    if (this.running || this.options.bytesPerSecond <= 0) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let did = false;
      try {
        did = await this.pass(false);
      } catch (error) {
        this.logger.error("scrubber pass failed", { error });
      }
      if (!did && this.running) await this.sleep(SCRUB_IDLE_MS);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      (t as { unref?: () => void }).unref?.();
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  /**
   * Scrubs every sealed segment now, whatever its last scrub (Admin API, tests); `filter` keeps
   * some logs only. Resolves with the corrupt batches found in this pass.
   */
  async scrubNow(filter?: (log: PartitionLog) => boolean): Promise<{ segments: number; bytes: number; corruptBatches: number }> {
    const before = { ...this.totals };
    await this.pass(true, filter);
    return { segments: this.totals.segments - before.segments, bytes: this.totals.bytes - before.bytes, corruptBatches: this.totals.corruptBatches - before.corruptBatches };
  }

  /** One pass; returns whether any segment was scrubbed. */
  private async pass(force: boolean, filter?: (log: PartitionLog) => boolean): Promise<boolean> {
    let did = false;
    for (const log of [...this.logs()]) {
      if (!force && !this.running) break;
      if (log.isClosed || log.isOffline || (filter && !filter(log))) continue;
      const sealed = log.segmentList().slice(0, -1);
      let complete = true;
      for (const segment of sealed) {
        if (!force && !this.running) return did;
        const last = this.lastScrubbed.get(segment);
        if (!force && last !== undefined && this.clock() - last < this.options.intervalMs) continue;
        const outcome = await this.scrubSegment(log, segment);
        if (outcome === "skipped") {
          complete = false;
          continue;
        }
        did = true;
      }
      if (complete && sealed.length > 0 && did) this.statusOf(log).lastPassMs = this.clock();
    }
    if (did) this.totals.passes++;
    return did;
  }

  private statusOf(log: PartitionLog): PartitionScrubStatus {
    const key = `${log.topic}\u0000${log.partition}`;
    let s = this.status.get(key);
    if (!s) {
      s = { topic: log.topic, partition: log.partition, lastScrubMs: -1, lastPassMs: -1, scrubbedBytes: 0, scrubbedSegments: 0 };
      this.status.set(key, s);
    }
    return s;
  }

  /** The scrub status of every log scrubbed so far (open logs only). */
  partitions(): PartitionScrubStatus[] {
    const open = new Set([...this.logs()].map((l) => `${l.topic}\u0000${l.partition}`));
    for (const key of [...this.status.keys()]) if (!open.has(key)) this.status.delete(key);
    return [...this.status.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /** Scrubs one segment, in chunks, through the throttle. */
  async scrubSegment(log: PartitionLog, segment: Segment): Promise<SegmentOutcome> {
    const alive = () => !log.isClosed && !log.isOffline && log.segmentList().includes(segment);
    const entries = segment.indexEntries();
    let entry = 0;
    let pos = 0;
    let after = segment.baseOffset - 1;
    let readLength = SCRUB_CHUNK_BYTES;
    const size = segment.sizeBytes;
    try {
      while (pos < size) {
        if (!alive()) return "skipped";
        const wanted = Math.min(readLength, size - pos);
        const bytes = segment.readBytes(pos, wanted);
        readLength = SCRUB_CHUNK_BYTES;
        let r = verifyBatches(bytes, 0, bytes.length, { afterOffset: after, offsetLimit: segment.nextOffset, maxLeaderEpoch: log.epochs.latestEpoch() });
        if (bytes.length < wanted && r.fault === null) {
          r = { ...r, fault: { position: r.end, reason: "framing", detail: `the file ends ${size - pos - bytes.length} bytes before the log's end` } };
        } else if (r.fault !== null && r.fault.reason === "framing" && pos + bytes.length < size && bytes.length === wanted) {
          // Maybe only the chunk's end cut a batch: read again from it, whole.
          const left = bytes.length - r.end;
          const declared = left >= BATCH_LENGTH_OVERHEAD_BYTES ? batchSizeAt(bytes, r.end) : 0;
          const cut = left < BATCH_LENGTH_OVERHEAD_BYTES || (declared > left && declared >= BATCH_HEADER_BYTES && declared <= MAX_SCANNED_BATCH_BYTES && pos + r.end + declared <= size);
          if (cut) {
            readLength = Math.max(SCRUB_CHUNK_BYTES, declared);
            r = { ...r, fault: null };
          }
        }
        // The offset index: an entry in the verified part must name the batch at its position.
        while (entry < entries.length && entries[entry].position < pos + r.end) {
          const e = entries[entry];
          const at = e.position - pos;
          if (at < 0 || bytes[at + MAGIC_POS] !== CURRENT_MAGIC || baseOffsetAt(bytes, at) !== e.offset) {
            this.logger.warn("offset index entry does not point at its batch: dropped with the entries after it", { topic: log.topic, partition: log.partition, file: segment.indexPath, entry, offset: e.offset, position: e.position });
            segment.dropIndexEntriesFrom(entry);
            this.totals.indexRepairs++;
            entry = entries.length;
            break;
          }
          entry++;
        }
        this.totals.bytes += r.end;
        this.statusOf(log).scrubbedBytes += r.end;
        if (r.fault !== null) {
          segment.verified.add(0, pos + r.end);
          this.totals.corruptBatches++;
          log.recordCorruption(segment, pos + r.fault.position, r.lastOffset + 1, r.fault, "scrub");
          this.finish(log, segment);
          return "corrupt";
        }
        pos += r.end;
        after = r.lastOffset;
        await this.throttle.take(Math.max(r.end, 1));
      }
    } catch (error) {
      if (!alive()) return "skipped";
      throw error;
    }
    segment.verified.add(0, size);
    if (log.corrupt.inSegment(segment.baseOffset) !== undefined) log.corrupt.clearSegment(segment.baseOffset);
    if (!segment.indexFileAgrees()) {
      this.logger.warn("offset index file differs from the index in memory: rewritten", { topic: log.topic, partition: log.partition, file: segment.indexPath });
      segment.rewriteIndexes();
      this.totals.indexRepairs++;
    }
    this.finish(log, segment);
    return "clean";
  }

  private finish(log: PartitionLog, segment: Segment): void {
    const now = this.clock();
    this.lastScrubbed.set(segment, now);
    const s = this.statusOf(log);
    s.lastScrubMs = now;
    s.scrubbedSegments++;
    this.totals.segments++;
  }
}
