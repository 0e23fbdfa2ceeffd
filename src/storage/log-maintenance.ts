/**
 * Background maintenance of the open logs (retention and flushing; not Kafka's "cleaner", which is
 * compaction), on one timer: flush.ms flushes every tick, retention
 * (retention.ms, retention.bytes, log start offset) every retentionCheckIntervalMs, and the
 * partition checkpoints (recovery point, log start offset, high watermark) every
 * checkpointIntervalMs. Bounded work per tick: one pass over the open logs.
 */
import type { Logger } from "../util/log.ts";
import type { PartitionLog } from "./partition-log.ts";

export interface MaintenanceOptions {
  clock?: () => number;
  /** Timer period; 0 disables the timer (tests call runMaintenance). Default 1000. */
  maintenanceIntervalMs?: number;
  /** Kafka's log.retention.check.interval.ms. Default 300000. */
  retentionCheckIntervalMs?: number;
  /** Kafka's log.flush.offset.checkpoint.interval.ms. Default 60000. */
  checkpointIntervalMs?: number;
}

export interface MaintenanceTickResult {
  deletedSegments: number;
  flushedLogs: number;
  checkpointsWritten: number;
}

export class LogMaintenance {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastRetentionMs: number;
  private lastCheckpointMs: number;
  private readonly clock: () => number;
  /** Since start: segments deleted by retention, and logs flushed because flush.ms passed (/metrics reads them). */
  readonly totals = { retentionDeletedSegments: 0, retentionPasses: 0, timeFlushes: 0 };

  constructor(
    private readonly logs: () => Iterable<PartitionLog>,
    private readonly options: MaintenanceOptions,
    private readonly logger: Logger,
  ) {
    this.clock = options.clock ?? Date.now;
    this.lastRetentionMs = this.clock();
    this.lastCheckpointMs = this.clock();
  }

  start(): void {
    const periodMs = this.options.maintenanceIntervalMs ?? 1000;
    if (periodMs <= 0 || this.timer !== null) return;
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (error) {
        this.logger.error("storage maintenance failed", { error });
      }
    }, periodMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass; `force` runs retention and checkpoints regardless of their intervals. */
  tick(nowMs: number = this.clock(), force = false): MaintenanceTickResult {
    const result: MaintenanceTickResult = { deletedSegments: 0, flushedLogs: 0, checkpointsWritten: 0 };
    const retentionDue = force || nowMs - this.lastRetentionMs >= (this.options.retentionCheckIntervalMs ?? 300_000);
    const checkpointDue = force || nowMs - this.lastCheckpointMs >= (this.options.checkpointIntervalMs ?? 60_000);
    for (const log of this.logs()) {
      if (log.isClosed || log.isOffline) continue;
      try {
        if (log.maybeFlushByTime(nowMs)) result.flushedLogs++;
        if (retentionDue) result.deletedSegments += log.applyRetention(nowMs);
        if (checkpointDue && log.saveCheckpoint()) result.checkpointsWritten++;
      } catch (error) {
        // One failing log does not stop the others' maintenance (a failed flush takes the
        // directory offline inside the log; this records the rest).
        this.logger.error("storage maintenance failed", { topic: log.topic, partition: log.partition, error });
      }
    }
    if (retentionDue) this.lastRetentionMs = nowMs;
    if (checkpointDue) this.lastCheckpointMs = nowMs;
    if (retentionDue) this.totals.retentionPasses++;
    this.totals.retentionDeletedSegments += result.deletedSegments;
    this.totals.timeFlushes += result.flushedLogs;
    return result;
  }
}
