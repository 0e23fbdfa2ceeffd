/**
 * The log cleaner of one data directory (Kafka's LogCleaner): every backoff period it picks the
 * dirtiest compacted logs that need cleaning (clean-log.ts `needsCleaning`, highest dirty ratio
 * first) and cleans up to `threads` of them at once, each with its own offset map of
 * dedupeBufferBytes / threads, all under one IO throttle. The cleaner offsets are kept in the
 * directory's cleaner-offset-checkpoint (checkpoint.ts), written after each cleaning.
 *
 * "Threads" are concurrent asynchronous tasks on the event loop, not OS threads: a task yields
 * between 256 KiB chunks (and sleeps when the throttle says so), so produce and fetch interleave with
 * it; only the swap of a cleaned group is synchronous (see docs/compaction.md for why not a Worker).
 */
import type { Logger } from "../../util/log.ts";
import type { PartitionLog } from "../partition-log.ts";
import { readCleanerCheckpoint, writeCleanerCheckpoint } from "./checkpoint.ts";
import { cleanLog, cleanRange, needsCleaning, type CleanStats } from "./clean-log.ts";
import { OffsetMap } from "./offset-map.ts";
import { IoThrottle } from "./throttle.ts";

export interface LogCleanerOptions {
  /** log_cleaner_threads: logs cleaned at once (0 disables the cleaner). */
  threads: number;
  /** log_cleaner_dedupe_buffer_size: bytes of offset map, shared by the threads. */
  dedupeBufferBytes: number;
  /** log_cleaner_io_max_bytes_per_second: read+write rate of all cleaning (Infinity = unthrottled). */
  ioMaxBytesPerSecond: number;
  /** log_cleaner_backoff_ms: pause between looks for dirty logs; 0 = no timer (tests call runOnce). */
  backoffMs: number;
  clock?: () => number;
}

export const DEFAULT_LOG_CLEANER_OPTIONS: Readonly<LogCleanerOptions> = Object.freeze({
  threads: 1,
  dedupeBufferBytes: 128 * 1024 * 1024,
  ioMaxBytesPerSecond: Infinity,
  backoffMs: 15_000,
});

function keyOf(log: PartitionLog): string {
  return `${log.topic}-${log.partition}`;
}

export class LogCleaner {
  private readonly offsets: Map<string, number>;
  private readonly busy = new Set<string>();
  private readonly maps: OffsetMap[] = [];
  private readonly throttle: IoThrottle;
  private readonly clock: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  /** Totals since start (for metrics and the benchmark). */
  readonly totals = { cleanings: 0, dirtyBytesMapped: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, failures: 0 };

  constructor(
    private readonly dataDir: string,
    private readonly logs: () => Iterable<PartitionLog>,
    private readonly options: LogCleanerOptions,
    private readonly logger: Logger,
  ) {
    this.offsets = readCleanerCheckpoint(dataDir);
    this.throttle = new IoThrottle(options.ioMaxBytesPerSecond);
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    if (this.options.threads <= 0 || this.options.backoffMs <= 0 || this.timer !== null) return;
    this.stopped = false;
    const loop = () => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce().then(() => undefined, (error) => {
          this.logger.error("log cleaner failed", { error });
        }).finally(() => {
          this.running = null;
          if (!this.stopped) loop();
        });
      }, this.options.backoffMs);
      this.timer.unref?.();
    };
    loop();
  }

  /** Stops the timer; a cleaning in progress stops at its next step (the log closes under it). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Logs being cleaned now. */
  get activeCleanings(): number {
    return this.busy.size;
  }

  /** The cleaner offset of a log (0 when never cleaned). */
  cleanerOffset(log: PartitionLog): number {
    return this.offsets.get(keyOf(log)) ?? 0;
  }

  /** Logs needing cleaning, dirtiest first. */
  dirtyLogs(nowMs: number = this.clock()): { log: PartitionLog; dirtyRatio: number }[] {
    const out: { log: PartitionLog; dirtyRatio: number }[] = [];
    for (const log of this.logs()) {
      if (!log.logConfig.compact || log.isClosed || log.isOffline || this.busy.has(keyOf(log))) continue;
      const range = cleanRange(log, this.cleanerOffset(log), nowMs);
      if (needsCleaning(log, range)) out.push({ log, dirtyRatio: range.overdue ? Infinity : range.dirtyRatio });
    }
    return out.sort((a, b) => b.dirtyRatio - a.dirtyRatio);
  }

  /** One round: cleans up to `threads` of the dirtiest logs concurrently. */
  async runOnce(nowMs: number = this.clock()): Promise<CleanStats[]> {
    const threads = Math.max(1, this.options.threads);
    const picked = this.dirtyLogs(nowMs).slice(0, threads);
    const results = await Promise.all(picked.map(({ log }, i) => this.cleanOne(log, i, nowMs)));
    return results.filter((r): r is CleanStats => r !== null);
  }

  private mapFor(slot: number): OffsetMap {
    const threads = Math.max(1, this.options.threads);
    this.maps[slot] ??= new OffsetMap(Math.floor(this.options.dedupeBufferBytes / threads));
    return this.maps[slot];
  }

  private async cleanOne(log: PartitionLog, slot: number, nowMs: number): Promise<CleanStats | null> {
    const key = keyOf(log);
    this.busy.add(key);
    try {
      const startedMs = performance.now();
      const map = this.mapFor(slot);
      const stats = await cleanLog(log, this.cleanerOffset(log), map, this.throttle, nowMs);
      const elapsedMs = performance.now() - startedMs;
      if (stats.passes > 0) {
        // Kafka's "Log cleaner thread N cleaned log ..." line, as fields (the benchmark reads it).
        this.logger.info("log cleaned", {
          topic: log.topic,
          partition: log.partition,
          dirtyBytes: stats.dirtyBytesMapped,
          elapsedMs: Math.round(elapsedMs),
          dirtyMBPerSec: Number((stats.dirtyBytesMapped / 2 ** 20 / (elapsedMs / 1000)).toFixed(1)), // MB of 2^20 bytes, as Kafka prints
          passes: stats.passes,
          bytesRead: stats.bytesRead,
          bytesWritten: stats.bytesWritten,
          recordsRemoved: stats.recordsRemoved,
          abortedRecordsRemoved: stats.abortedRecordsRemoved,
          markersRemoved: stats.markersRemoved,
          cleanedTo: stats.cleanedTo,
          mapBytes: map.memoryBytes,
          mapEntries: map.size,
        });
      }
      this.totals.cleanings++;
      this.totals.dirtyBytesMapped += stats.dirtyBytesMapped;
      this.totals.bytesRead += stats.bytesRead;
      this.totals.bytesWritten += stats.bytesWritten;
      this.totals.recordsRemoved += stats.recordsRemoved;
      if (stats.cleanedTo !== this.cleanerOffset(log)) {
        this.offsets.set(key, stats.cleanedTo);
        if (!log.isClosed) writeCleanerCheckpoint(this.dataDir, this.offsets);
      }
      return stats;
    } catch (error) {
      this.totals.failures++;
      this.logger.error("log cleaning failed", { topic: log.topic, partition: log.partition, error });
      return null;
    } finally {
      this.busy.delete(key);
    }
  }

  /** Resolves when the round in progress (if any) is over. */
  whenIdle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}
