/**
 * A full log directory (issue 26): a write or sync that fails with ENOSPC or EDQUOT does not take
 * the directory offline (LogDirOfflineError is for failing disks); the append is refused with
 * LogDirFullError (KAFKA_STORAGE_ERROR and a message naming the directory), the log end does not
 * move (partition-log.ts never exposes what it could not write), and reads go on. The state is
 * loud and per change, not per request:
 *   - entering it: one ERROR line for the directory (with the partition that hit it first),
 *   - each further partition refused during the episode: one ERROR line for that partition,
 *   - leaving it: one INFO line with the episode's duration and refusals.
 * It is left when the filesystem has at least DISK_SPACE_RECOVERY_BYTES free again (statfs, every
 * DISK_SPACE_CHECK_INTERVAL_MS while full); appends are tried again from then on. Counters for
 * /metrics; `full` for the health probe.
 */
import fs from "node:fs";
import type { Logger } from "../util/log.ts";
import { LogDirFullError } from "./errors.ts";

export const DISK_SPACE_CHECK_INTERVAL_MS = 500;
/** Free bytes that end a full episode (a preallocation chunk's worth, config.ts MIN_PREALLOCATE_CHUNK_BYTES). */
export const DISK_SPACE_RECOVERY_BYTES = 1024 * 1024;
/** Partitions named one by one in an episode at most (a line each); the rest are counted. */
const MAX_NAMED_PARTITIONS = 10_000;
/** Operations whose ENOSPC is a full disk and nothing worse (a half-done segment swap still goes offline). */
const RECOVERABLE_OPS = new Set(["write", "sync", "background flush"]);

export class DiskSpaceState {
  /** Wall-clock start of the current full episode, or null. */
  private fullSinceMs: number | null = null;
  private readonly partitionsRefused = new Set<string>();
  private episodeRefusals = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  readonly totals = { episodes: 0, refusedAppends: 0 };

  constructor(
    readonly dataDir: string,
    private readonly logger: Logger,
  ) {}

  get full(): boolean {
    return this.fullSinceMs !== null;
  }

  /** Why appends are refused now, or null. */
  get reason(): string | null {
    return this.fullSinceMs === null ? null : `log directory ${this.dataDir} is full (no space left on device) since ${new Date(this.fullSinceMs).toISOString()}`;
  }

  isNoSpace(error: unknown, op: string): boolean {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    return (code === "ENOSPC" || code === "EDQUOT") && RECOVERABLE_OPS.has(op);
  }

  /** An append of topic-partition failed for lack of space: the state, its log lines, the error to answer. */
  refused(topic: string, partition: number, error: unknown): LogDirFullError {
    this.totals.refusedAppends++;
    this.episodeRefusals++;
    const key = `${topic}-${partition}`;
    if (this.fullSinceMs === null) {
      this.fullSinceMs = Date.now();
      this.totals.episodes++;
      this.partitionsRefused.add(key);
      this.logger.error("log directory full: appends answer KAFKA_STORAGE_ERROR until space returns", { logDir: this.dataDir, topic, partition, freeBytes: this.freeBytes(), error: (error as Error)?.message ?? String(error) });
      this.timer = setInterval(() => this.check(), DISK_SPACE_CHECK_INTERVAL_MS);
      (this.timer as { unref?: () => void }).unref?.();
    } else if (!this.partitionsRefused.has(key) && this.partitionsRefused.size < MAX_NAMED_PARTITIONS) {
      this.partitionsRefused.add(key);
      this.logger.error("partition cannot append: log directory full", { logDir: this.dataDir, topic, partition });
    }
    return new LogDirFullError(this.dataDir, `log directory ${this.dataDir} is full (no space left on device): ${key} cannot append until space returns`);
  }

  /** Free bytes for unprivileged writers on the directory's filesystem, or -1 when unknown. */
  freeBytes(): number {
    try {
      const s = fs.statfsSync(this.dataDir);
      return Number(s.bavail) * Number(s.bsize);
    } catch {
      return -1;
    }
  }

  /** Ends the episode once space returned. */
  check(): boolean {
    if (this.fullSinceMs === null) return false;
    const free = this.freeBytes();
    if (free < DISK_SPACE_RECOVERY_BYTES) return false;
    this.logger.info("log directory has space again: appends are accepted", { logDir: this.dataDir, freeBytes: free, fullForMs: Date.now() - this.fullSinceMs, refusedAppends: this.episodeRefusals, partitions: this.partitionsRefused.size });
    this.fullSinceMs = null;
    this.episodeRefusals = 0;
    this.partitionsRefused.clear();
    this.stopTimer();
    return true;
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  close(): void {
    this.stopTimer();
  }
}
