/**
 * The logs of one data directory: one folder per partition, named `<topic>-<partition>` (a topic
 * name may itself contain '-': the partition is the part after the last one). A deleted
 * partition's folder is first renamed to `<topic>-<partition>.<ms>-delete`, then removed; leftovers
 * of that form are removed at start. The manager runs the background maintenance
 * (log-maintenance.ts): retention, flush.ms, and periodic checkpoints.
 *
 * Log directory failure (Kafka's LogDirFailureChannel): when a write or sync fails in any log, the
 * whole directory goes offline for the rest of the process: every log in it refuses appends and
 * reads (LogDirOfflineError -> KAFKA_STORAGE_ERROR), maintenance skips it, and close() writes no
 * clean-shutdown marker there, so the next start recovers it from what really reached the disk.
 */
import fs from "node:fs";
import path from "node:path";
import { createLogger, type Logger } from "../util/log.ts";
import { LogMaintenance, type MaintenanceOptions } from "./log-maintenance.ts";
import { resolveLogConfig, type LogConfig } from "./config.ts";
import { deferSync } from "./file-io.ts";
import { LogDirOfflineError } from "./errors.ts";
import { DiskSpaceState } from "./disk-space.ts";
import { segmentFiles } from "./segment-files.ts";
import { PartitionLog, type PartitionLogOptions } from "./partition-log.ts";
import { DEFAULT_LOG_CLEANER_OPTIONS, LogCleaner, type LogCleanerOptions } from "./cleaner/log-cleaner.ts";
import { DEFAULT_SCRUBBER_OPTIONS, Scrubber, type ScrubberOptions } from "./scrub/scrubber.ts";
import type { CorruptRange, CorruptionSource } from "./scrub/corrupt-ranges.ts";

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface LogManagerOptions extends PartitionLogOptions, MaintenanceOptions {
  /** Defaults for every log; per-log overrides are given to openLog. */
  defaultConfig?: Partial<LogConfig>;
  /** Segment files open at once in this process (the LRU budget of segment-files.ts). */
  maxOpenSegmentFiles?: number;
  /** The log cleaner of compacted logs (cleaner/log-cleaner.ts); defaults: one thread, 128 MiB. */
  cleaner?: Partial<LogCleanerOptions>;
  /** The scrubber (scrub/scrubber.ts); off unless bytesPerSecond is given (the broker gives log_scrub_bytes_per_second). */
  scrub?: Partial<ScrubberOptions>;
}

/** Told of every corrupt range found in this directory's logs (the cluster heals them). */
export type CorruptionListener = (log: PartitionLog, range: CorruptRange) => void;

const PARTITION_DIR = /^(.+)-(\d+)$/;
const DELETE_SUFFIX = "-delete";

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function parsePartitionDirName(name: string): TopicPartition | null {
  if (name.endsWith(DELETE_SUFFIX)) return null;
  const match = PARTITION_DIR.exec(name);
  if (match === null) return null;
  const partition = Number(match[2]);
  return Number.isSafeInteger(partition) ? { topic: match[1], partition } : null;
}

export class LogManager {
  private readonly logs = new Map<string, PartitionLog>();
  private readonly maintenance: LogMaintenance;
  /** Retention and time-based flush counts since start (log-maintenance.ts). */
  get maintenanceTotals(): Readonly<LogMaintenance["totals"]> {
    return this.maintenance.totals;
  }
  readonly cleaner: LogCleaner;
  readonly scrubber: Scrubber;
  /** Corrupt ranges found since start, by who found them (/metrics). */
  readonly corruptionTotals: Record<CorruptionSource, number> = { read: 0, scrub: 0, repair: 0 };
  private readonly corruptionListeners = new Set<CorruptionListener>();
  /** Full-disk episodes of this directory (disk-space.ts): refused appends, then recovery. */
  readonly diskSpace: DiskSpaceState;
  private readonly logger: Logger;
  private closed = false;
  /** Set when a write or sync in this directory failed; the directory then serves nothing. */
  private offlineReason: string | null = null;

  private constructor(
    readonly dataDir: string,
    private readonly options: LogManagerOptions,
  ) {
    this.logger = options.logger ?? createLogger({ level: "warn", format: "text" });
    this.maintenance = new LogMaintenance(() => this.logs.values(), options, this.logger);
    this.cleaner = new LogCleaner(dataDir, () => this.logs.values(), { ...DEFAULT_LOG_CLEANER_OPTIONS, clock: options.clock, ...options.cleaner }, this.logger);
    // Off unless asked for (the broker asks, with log_scrub_bytes_per_second): storage used alone stays quiet.
    this.diskSpace = new DiskSpaceState(dataDir, this.logger);
    this.scrubber = new Scrubber(() => this.logs.values(), { ...DEFAULT_SCRUBBER_OPTIONS, bytesPerSecond: 0, ...options.scrub }, this.logger);
  }

  /** Subscribes to corrupt ranges found in any log of this directory; returns the unsubscribe. */
  onCorruption(listener: CorruptionListener): () => void {
    this.corruptionListeners.add(listener);
    return () => this.corruptionListeners.delete(listener);
  }

  private corruptionFound(log: PartitionLog, range: CorruptRange): void {
    this.corruptionTotals[range.detectedBy]++;
    for (const l of this.corruptionListeners) l(log, range);
  }

  /** Opens a data directory (created when missing). Logs are opened on demand by openLog. */
  static open(dataDir: string, options: LogManagerOptions = {}): LogManager {
    resolveLogConfig(options.defaultConfig); // fail fast on a bad default
    fs.mkdirSync(dataDir, { recursive: true });
    for (const name of fs.readdirSync(dataDir)) {
      if (name.endsWith(DELETE_SUFFIX)) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true });
    }
    if (options.maxOpenSegmentFiles !== undefined) segmentFiles.setLimit(options.maxOpenSegmentFiles);
    const manager = new LogManager(dataDir, options);
    manager.maintenance.start();
    manager.cleaner.start();
    manager.scrubber.start();
    return manager;
  }

  /** The log directories that are offline (a write or sync failed there): this one, or none. */
  get offlineLogDirs(): string[] {
    return this.offlineReason === null ? [] : [this.dataDir];
  }

  /** Partitions that have a folder on disk or are open. */
  listPartitions(): TopicPartition[] {
    const seen = new Map<string, TopicPartition>();
    for (const entry of fs.readdirSync(this.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const parsed = parsePartitionDirName(entry.name);
      if (parsed !== null) seen.set(entry.name, parsed);
    }
    for (const log of this.logs.values()) seen.set(partitionDirName(log.topic, log.partition), { topic: log.topic, partition: log.partition });
    return [...seen.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /** The open log of a partition, if any. */
  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  /** Opens (recovering if needed) or creates a partition's log; an open one gets `config` applied. */
  openLog(topic: string, partition: number, config: Partial<LogConfig> = {}): PartitionLog {
    if (this.closed) throw new Error("log manager is closed");
    const key = partitionDirName(topic, partition);
    const existing = this.logs.get(key);
    if (existing !== undefined) {
      if (Object.keys(config).length > 0) existing.setConfig(config);
      return existing;
    }
    if (this.offlineReason !== null) throw new LogDirOfflineError(this.dataDir, `log directory ${this.dataDir} is offline: ${this.offlineReason}`);
    const log = PartitionLog.open(path.join(this.dataDir, key), topic, partition,
      { ...this.options.defaultConfig, ...config },
      { ...this.options, logger: this.logger, onIoFailure: (failed, error, op) => this.ioFailure(failed, error, op), onCorruption: (l, range) => this.corruptionFound(l, range) });
    this.logs.set(key, log);
    return log;
  }

  /** A write or sync failed: a full disk is its own, recoverable state (disk-space.ts); anything else takes the directory offline. */
  private ioFailure(failed: PartitionLog, error: unknown, op: string): LogDirOfflineError {
    if (this.offlineReason === null && this.diskSpace.isNoSpace(error, op)) return this.diskSpace.refused(failed.topic, failed.partition, error);
    return this.markOffline(failed, error);
  }

  /**
   * A write or sync failed in `failed`: the directory goes offline (once), and every log in it with
   * it. Said in the log at ERROR with the failing partition; readable by metrics as offlineLogDirs.
   */
  private markOffline(failed: PartitionLog, error: unknown): LogDirOfflineError {
    const reason = `${(error as Error)?.message ?? String(error)} (in ${failed.topic}-${failed.partition})`;
    if (this.offlineReason === null) {
      this.offlineReason = reason;
      this.logger.error("log directory offline: a write or sync failed; its partitions answer KAFKA_STORAGE_ERROR until restart", {
        logDir: this.dataDir,
        topic: failed.topic,
        partition: failed.partition,
        partitions: this.logs.size,
        error,
      });
      for (const log of this.logs.values()) log.markOffline(this.offlineReason);
    }
    failed.markOffline(this.offlineReason);
    return new LogDirOfflineError(this.dataDir, `log directory ${this.dataDir} is offline: ${this.offlineReason}`);
  }

  /** Why the directory is offline, or null. */
  get offlineError(): string | null {
    return this.offlineReason;
  }

  /** Closes (without marking clean) and removes a partition's log and folder. */
  deleteLog(topic: string, partition: number): void {
    const key = partitionDirName(topic, partition);
    this.logs.get(key)?.abandon();
    this.logs.delete(key);
    const dir = path.join(this.dataDir, key);
    if (!fs.existsSync(dir)) return;
    const doomed = path.join(this.dataDir, `${key}.${Date.now()}${DELETE_SUFFIX}`);
    fs.renameSync(dir, doomed);
    fs.rmSync(doomed, { recursive: true, force: true });
  }

  /** One maintenance pass now (the background timer runs the same); for tests and admin tools. */
  runMaintenance(nowMs?: number, force = false): ReturnType<LogMaintenance["tick"]> {
    return this.maintenance.tick(nowMs, force);
  }

  /**
   * Runs `work` (e.g. opening every partition at start) with the storage's fsyncs deferred to one
   * syncfs at the end; see deferSync in file-io.ts. Nothing may be appended inside it.
   */
  withDeferredSync<T>(work: () => T): T {
    return deferSync(this.dataDir, work);
  }

  /**
   * Stops maintenance and closes every log cleanly (flush, checkpoint, clean-shutdown marker), in
   * two durable steps so that no marker can reach the disk before the data it vouches for: first
   * every log's data and checkpoint, then every marker.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.maintenance.stop();
    this.cleaner.stop();
    void this.scrubber.stop();
    this.diskSpace.close();
    let firstError: unknown = null;
    const each = (step: (log: PartitionLog) => void) => {
      for (const log of this.logs.values()) {
        try {
          step(log);
        } catch (error) {
          firstError ??= error;
        }
      }
    };
    // An offline directory is left as the failure left it: no flush, no checkpoint, no marker.
    if (this.offlineReason !== null) {
      each((log) => log.abandon());
      this.logs.clear();
      return;
    }
    deferSync(this.dataDir, () => each((log) => log.checkpoint()));
    deferSync(this.dataDir, () => each((log) => log.close()));
    this.logs.clear();
    if (firstError !== null) throw firstError;
  }
}
