/**
 * The logs of one data directory: one folder per partition, named `<topic>-<partition>` (a topic
 * name may itself contain '-': the partition is the part after the last one). A deleted
 * partition's folder is first renamed to `<topic>-<partition>.<ms>-delete`, then removed; leftovers
 * of that form are removed at start. The manager runs the background maintenance (cleaner.ts):
 * retention, flush.ms, and periodic checkpoints.
 */
import fs from "node:fs";
import path from "node:path";
import { LogCleaner, type CleanerOptions } from "./cleaner.ts";
import { resolveLogConfig, type LogConfig } from "./config.ts";
import { deferSync } from "./file-io.ts";
import { PartitionLog, type PartitionLogOptions } from "./partition-log.ts";

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface LogManagerOptions extends PartitionLogOptions, CleanerOptions {
  /** Defaults for every log; per-log overrides are given to openLog. */
  defaultConfig?: Partial<LogConfig>;
}

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
  private readonly cleaner: LogCleaner;
  private closed = false;
  /** Set when a write or sync in this directory failed; the directory then serves nothing. */
  private offlineReason: string | null = null;

  private constructor(
    readonly dataDir: string,
    private readonly options: LogManagerOptions,
  ) {
    this.cleaner = new LogCleaner(() => this.logs.values(), options);
  }

  /** Opens a data directory (created when missing). Logs are opened on demand by openLog. */
  static open(dataDir: string, options: LogManagerOptions = {}): LogManager {
    resolveLogConfig(options.defaultConfig); // fail fast on a bad default
    fs.mkdirSync(dataDir, { recursive: true });
    for (const name of fs.readdirSync(dataDir)) {
      if (name.endsWith(DELETE_SUFFIX)) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true });
    }
    const manager = new LogManager(dataDir, options);
    manager.cleaner.start();
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
    const log = PartitionLog.open(path.join(this.dataDir, key), topic, partition,
      { ...this.options.defaultConfig, ...config }, this.options);
    this.logs.set(key, log);
    return log;
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
  runMaintenance(nowMs?: number, force = false): ReturnType<LogCleaner["tick"]> {
    return this.cleaner.tick(nowMs, force);
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
    this.cleaner.stop();
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
    deferSync(this.dataDir, () => each((log) => log.checkpoint()));
    deferSync(this.dataDir, () => each((log) => log.close()));
    this.logs.clear();
    if (firstError !== null) throw firstError;
  }
}
