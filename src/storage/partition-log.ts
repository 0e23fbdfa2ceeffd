/**
 * The log of one partition: a folder `<topic>-<partition>` of segments (segment.ts), the partition
 * checkpoint (partition-checkpoint.ts), the leader-epoch checkpoint (leader-epoch-cache.ts) and the
 * clean-shutdown marker (clean-shutdown.ts). Reserved for later issues: producer-state snapshots
 * `<20-digit offset>.snapshot` in the same folder (left alone by this module).
 *
 * Offsets: logStartOffset <= highWatermark <= logEndOffset. Appends assign offsets by stamping
 * baseOffset (and partitionLeaderEpoch) in place, then write the caller's bytes with positional
 * writes; reads return views of memory-mapped segments. Everything here is synchronous and runs on
 * the caller's thread; only the flush of a segment just rolled runs in the background.
 *
 * A failed write or sync never exposes the records it was writing: the log end offset and the high
 * watermark move only after the bytes were written (and, when flush.messages asks, synced); the
 * failure is reported through onIoFailure (the log manager takes the whole directory offline) and
 * from then on this log refuses every append and read with LogDirOfflineError.
 *
 * Write-behind (AppendOptions.writeBehind, Produce with acks 1 or -1 on a single node): the append
 * does everything but the write on the caller's thread — offsets stamped, indexes and the log end
 * offset advanced — and hands the write to the I/O thread pool, so the event loop does not wait on
 * the page cache or on writeback. What readers see trails the writes: writtenEndOffset is the end of
 * the longest written prefix, the high watermark never passes it, no read returns bytes past it
 * (segment.writtenUpTo), and the owner acknowledges a write-behind append only once
 * writtenEndOffset covers it — so what was acknowledged is in the page cache, exactly as with a
 * synchronous write, and survives kill -9 alike. Every other operation that looks at the files
 * (flush, checkpoint, close, roll, truncation, retention, timestamp lookups, the cleaner's swap)
 * first writes the pending appends on the caller's thread (settleWrites: the same bytes at the same
 * positions, so a write still running on the pool is harmless). In-flight bytes are bounded for the
 * whole process (WRITE_BEHIND_MAX_IN_FLIGHT_BYTES); past the bound an append writes at once.
 *
 * When (the process-wide policy, setWriteBehindPolicy; the broker's log_write_behind): "off"
 * (default) never; "always" writes every eligible append behind — measured faster under writeback
 * pressure and dearer in CPU per GB with a settled page cache (docs/performance.md); "adaptive"
 * writes behind only for WRITE_BEHIND_WINDOW_MS after a synchronous append write took longer than
 * WRITE_BEHIND_SLOW_WRITE_MS_PER_MIB (the kernel throttling writers).
 *
 * Recovery at open: without the clean-shutdown marker, every segment at or past the recovery point
 * is scanned with CRC checks; a torn or corrupt tail is cut at the last valid batch (and later
 * segments, which would leave a gap, are deleted); missing or corrupt index files are rebuilt.
 */
import fs from "node:fs";
import path from "node:path";
import { crc32c } from "../native/index.ts";
import {
  ATTRIBUTES_POS,
  BATCH_HEADER_BYTES,
  CRC_POS,
  CRC_START_POS,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_POS,
  LEADER_EPOCH_POS,
  MAGIC_POS,
  MAX_TIMESTAMP_POS,
  TIMESTAMP_TYPE_LOG_APPEND_BIT,
  baseOffsetAt,
  batchSizeAt,
  maxTimestampAt,
  readInt32,
  writeInt32,
  writeInt64,
} from "./batch-header.ts";
import { consumeCleanShutdownMarker, writeCleanShutdownMarker } from "./clean-shutdown.ts";
import {
  MAX_APPEND_LISTENERS,
  MAX_SEGMENTS_PER_PARTITION,
  WRITE_BEHIND_MAX_IN_FLIGHT_BYTES,
  WRITE_BEHIND_SLOW_WRITE_MS_PER_MIB,
  WRITE_BEHIND_WINDOW_MS,
  resolveLogConfig,
  type LogConfig,
} from "./config.ts";
import type { Logger } from "../util/log.ts";
import { CorruptRecordsError, InvalidBatchError, LogClosedError, LogDirFullError, LogDirOfflineError, OffsetOutOfRangeError } from "./errors.ts";
import { fsyncDir } from "./file-io.ts";
import { LeaderEpochCache } from "./leader-epoch-cache.ts";
import { readPartitionCheckpoint, writePartitionCheckpoint } from "./partition-checkpoint.ts";
import { parseSegmentFileName, Segment, SEGMENT_BATCH_FIELDS, segmentFileName, LOG_SUFFIX } from "./segment.ts";
import { completeSwaps } from "./cleaner/swap.ts";
import type { AbortedTxn } from "./txn-index.ts";
import { CorruptRanges, type CorruptRange, type CorruptionSource } from "./scrub/corrupt-ranges.ts";
import { verifyBatches, type BatchFault } from "./scrub/verify.ts";
import { lastOffsetBefore } from "./scrub/segment-walk.ts";

/** Largest byte count accepted by one append call. */
export const MAX_APPEND_BYTES = 256 * 1024 * 1024;

export interface AppendOptions {
  /** Leader appends: stamp every batch's partitionLeaderEpoch with this epoch. */
  leaderEpoch?: number;
  /** LogAppendTime topics: set maxTimestamp to this and the timestamp-type bit (the CRC is redone). */
  logAppendTimeMs?: number;
  /** false for replicated batches that carry their offsets (they must start at the log end). */
  assignOffsets?: boolean;
  /**
   * Write-behind: the bytes may be written on the I/O thread pool after append returns (see
   * "Write-behind" at the top). The caller keeps them unchanged until writtenEndOffset passes the
   * append, and acknowledges only then. Honoured only in single-node mode (autoHighWatermark) with
   * flush.messages unset; otherwise, and past WRITE_BEHIND_MAX_IN_FLIGHT_BYTES, the append writes
   * at once as without it.
   */
  writeBehind?: boolean;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The LogAppendTime written, or -1. */
  logAppendTimeMs: number;
  batchCount: number;
  sizeBytes: number;
}

export interface ReadOptions {
  /** Batches starting at or past this are not returned. Default: the high watermark. */
  maxOffsetExclusive?: number;
  /** Return the first batch even when it is larger than maxBytes (Kafka's behaviour). Default true. */
  minOneBatch?: boolean;
}

export interface ReadResult {
  /** Views of mapped segments: whole batches, the first one holding the fetch offset. */
  batches: Uint8Array[];
  sizeBytes: number;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
}

export type LogEventKind = "append" | "high-watermark";

export interface LogEvent {
  kind: LogEventKind;
  logEndOffset: number;
  highWatermark: number;
}

export type LogListener = (event: LogEvent) => void;

/**
 * What the log's owner knows of the transactions in it, for the cleaner (cluster/partition.ts
 * provides it; a log without one is taken to hold no transaction).
 */
export interface LogTransactionState {
  /** First offset of the oldest ongoing transaction (the cleanable range ends before it), or null. */
  firstUnstableOffset(): number | null;
  /** The aborted transactions (the .txnindex entries). */
  abortedTransactions(): readonly AbortedTxn[];
  /**
   * The segments covering [baseOffset, endOffset) were replaced by a cleaned copy: their .txnindex
   * files went with them, and the cleaner removed every record of the aborted transactions whose
   * markers lay there, so those entries are no longer needed.
   */
  segmentsReplaced(baseOffset: number, endOffset: number): void;
}

export interface PartitionLogOptions {
  /** Wall clock for segment.ms, retention and flush.ms. Default Date.now. */
  clock?: () => number;
  /** Single-node mode: the high watermark follows the log end offset on every append. Default true. */
  autoHighWatermark?: boolean;
  /** Called with one line per notable event at open (recovery cuts, rebuilt indexes). */
  log?: (message: string) => void;
  /** Where storage failures are reported, with their partition, segment and offset. */
  logger?: Logger;
  /** A write or sync failed: the owner takes the log directory offline and returns the error to throw. */
  onIoFailure?: (log: PartitionLog, error: unknown, op: string) => Error;
  /** A corrupt range was found (read path, scrubber): the owner may heal it (cluster replicas). */
  onCorruption?: (log: PartitionLog, range: CorruptRange) => void;
}

/** A write-behind append not yet known to be written (all of them are in the active segment). */
interface PendingWrite {
  segment: Segment;
  bytes: Uint8Array;
  position: number;
  /** The log end offset once this append is written. */
  endOffset: number;
  done: boolean;
}

/** Bytes handed to the I/O thread pool and not written yet, across every log (bounded). */
let writeBehindInFlightBytes = 0;

export type WriteBehindPolicy = "adaptive" | "always" | "off";
let writeBehindPolicy: WriteBehindPolicy = "off";
/** Adaptive policy: appends are written behind until this time (performance.now()). */
let writeBehindUntilMs = 0;
const MIB = 1024 * 1024;

/** Sets the process-wide write-behind policy (see "When" at the top). */
export function setWriteBehindPolicy(policy: WriteBehindPolicy): void {
  writeBehindPolicy = policy;
  writeBehindUntilMs = 0;
}

function writeBehindNow(): boolean {
  return writeBehindPolicy === "always" || (writeBehindPolicy === "adaptive" && performance.now() < writeBehindUntilMs);
}

/** Adaptive policy: a synchronous write of `bytes` that took `ms` opens a write-behind window when slow. */
function noteSyncWrite(bytes: number, ms: number): void {
  if (writeBehindPolicy === "adaptive" && ms > WRITE_BEHIND_SLOW_WRITE_MS_PER_MIB * Math.max(bytes / MIB, 1)) {
    writeBehindUntilMs = performance.now() + WRITE_BEHIND_WINDOW_MS;
  }
}

/** Write-behind writes in flight per underlying buffer (entries leave at zero: bounded by the writes). */
const heldBuffers = new Map<ArrayBufferLike, number>();

/** For tests and metrics: write-behind bytes in flight in this process. */
export function writeBehindBytesInFlight(): number {
  return writeBehindInFlightBytes;
}

/**
 * Whether a write-behind write of bytes in `buffer` is still running: until it is not, the buffer
 * must not be reused (the connection's frame buffers ask before they are recycled).
 */
export function writeBehindHolds(buffer: ArrayBufferLike): boolean {
  return heldBuffers.has(buffer);
}

function hold(buffer: ArrayBufferLike): void {
  heldBuffers.set(buffer, (heldBuffers.get(buffer) ?? 0) + 1);
}

function unhold(buffer: ArrayBufferLike): void {
  const n = (heldBuffers.get(buffer) ?? 1) - 1;
  if (n <= 0) heldBuffers.delete(buffer);
  else heldBuffers.set(buffer, n);
}

export class PartitionLog {
  /** Set by the owner that tracks transactions (see LogTransactionState). */
  transactions: LogTransactionState | null = null;
  /**
   * Tiered storage (src/storage/remote): the offset below which every record is durably in the
   * object store. With remote.storage.enable, retention deletes only segments wholly below it;
   * null (no tiered storage wired) keeps every such segment.
   */
  remoteCopiedUpTo: (() => number) | null = null;
  private segments: Segment[];
  private config: LogConfig;
  private startOffset: number;
  private endOffset: number;
  private hwm: number;
  private recoveryPoint: number;
  private unflushedRecords = 0;
  private lastFlushMs: number;
  private closed = false;
  private readonly listeners = new Set<LogListener>();
  private batchScratch = new Float64Array(64 * SEGMENT_BATCH_FIELDS);
  private flushChain: Promise<void> = Promise.resolve();
  private lastSavedCheckpoint = "";
  private readonly clock: () => number;
  private readonly autoHighWatermark: boolean;
  private readonly logger: Logger | undefined;
  private readonly onIoFailure: ((log: PartitionLog, error: unknown, op: string) => Error) | undefined;
  private offlineReason: string | null = null;
  /** Write-behind appends in log order; empty when everything appended is written. */
  private pendingWrites: PendingWrite[] = [];
  /** End of the written prefix of the log (the log end offset when nothing is pending). */
  private writtenEnd: number;
  readonly epochs: LeaderEpochCache;
  /** Corrupt ranges found in this log (scrub/corrupt-ranges.ts); never served as data. */
  readonly corrupt = new CorruptRanges();
  private readonly onCorruption: ((log: PartitionLog, range: CorruptRange) => void) | undefined;

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    config: LogConfig,
    segments: Segment[],
    state: { logStartOffset: number; highWatermark: number; recoveryPoint: number },
    options: PartitionLogOptions,
  ) {
    this.config = config;
    this.segments = segments;
    this.clock = options.clock ?? Date.now;
    this.autoHighWatermark = options.autoHighWatermark ?? true;
    this.logger = options.logger;
    this.onIoFailure = options.onIoFailure;
    this.onCorruption = options.onCorruption;
    this.endOffset = segments[segments.length - 1].nextOffset;
    this.writtenEnd = this.endOffset;
    this.startOffset = state.logStartOffset;
    this.hwm = state.highWatermark;
    this.recoveryPoint = state.recoveryPoint;
    this.lastFlushMs = this.clock();
    this.epochs = new LeaderEpochCache(dir);
  }

  /** Opens the log in `dir` (created when missing), recovering it when it was not closed cleanly. */
  static open(
    dir: string,
    topic: string,
    partition: number,
    configOverrides: Partial<LogConfig> = {},
    options: PartitionLogOptions = {},
  ): PartitionLog {
    const config = resolveLogConfig(configOverrides);
    const clock = options.clock ?? Date.now;
    const say = options.log ?? (options.logger ? (m: string) => options.logger!.warn(m, { topic, partition }) : () => {});
    fs.mkdirSync(dir, { recursive: true });
    for (const line of completeSwaps(dir)) say(`${dir}: compaction recovery: ${line}`);
    const clean = consumeCleanShutdownMarker(dir);
    const checkpoint = readPartitionCheckpoint(dir);
    const bases = listSegmentBases(dir);
    const skipRecovery = clean && checkpoint !== null;
    const recoveryPoint = checkpoint?.recoveryPoint ?? 0;
    const segments: Segment[] = [];
    try {
      for (let i = 0; i < bases.length; i++) {
        const nextBase = i + 1 < bases.length ? bases[i + 1] : -1;
        const recover = !skipRecovery && (nextBase < 0 || nextBase > recoveryPoint);
        const { segment, report } = Segment.load(dir, bases[i], config, { recover, nextSegmentBase: nextBase, nowMs: clock() });
        if (report.indexesRebuilt && !recover) say(`${dir}: rebuilt indexes of segment ${bases[i]}`);
        if (recover && report.droppedTailBytes > 0 && segment.hasStaleTail) {
          say(`${dir}: segment ${bases[i]} keeps ${report.droppedTailBytes} bytes past its valid end (mapped here)`);
        }
        segments.push(segment);
        if (nextBase >= 0 && segment.nextOffset !== nextBase) {
          say(`${dir}: segment ${bases[i]} ends at offset ${segment.nextOffset}, not ${nextBase}: dropping later segments`);
          for (const later of bases.slice(i + 1)) Segment.deleteFiles(dir, later);
          break;
        }
      }
      if (segments.length === 0) segments.push(Segment.create(dir, checkpoint?.logStartOffset ?? 0, config, clock()));
    } catch (error) {
      for (const s of segments) s.close();
      throw error;
    }
    const logEndOffset = segments[segments.length - 1].nextOffset;
    const logStartOffset = Math.min(Math.max(checkpoint?.logStartOffset ?? 0, segments[0].baseOffset), logEndOffset);
    const autoHwm = options.autoHighWatermark ?? true;
    const highWatermark = autoHwm
      ? logEndOffset
      : Math.min(Math.max(checkpoint?.highWatermark ?? logStartOffset, logStartOffset), logEndOffset);
    const log = new PartitionLog(dir, topic, partition, config, segments, {
      logStartOffset,
      highWatermark,
      recoveryPoint: Math.min(recoveryPoint, logEndOffset),
    }, options);
    log.epochs.truncateFromEnd(logEndOffset);
    log.epochs.truncateFromStart(logStartOffset);
    // After a clean shutdown the checkpoint on disk usually says exactly this already: rewriting
    // it durably for every partition was most of a many-partition restart.
    const unchanged =
      checkpoint !== null &&
      checkpoint.recoveryPoint === log.recoveryPoint &&
      checkpoint.logStartOffset === logStartOffset &&
      checkpoint.highWatermark === highWatermark;
    if (unchanged) log.lastSavedCheckpoint = `${log.recoveryPoint}/${logStartOffset}/${highWatermark}`;
    else log.writeCheckpoint();
    return log;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  get logEndOffset(): number {
    return this.endOffset;
  }

  get highWatermark(): number {
    return Math.min(this.hwm, this.writtenEnd);
  }

  /** End offset of the written prefix: appends below it are in the page cache (see Write-behind). */
  get writtenEndOffset(): number {
    return this.writtenEnd;
  }

  /** Sum of the segments' logical sizes. */
  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.sizeBytes;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get logConfig(): Readonly<LogConfig> {
    return this.config;
  }

  /** Base offsets of the segments, oldest first (for tests, DescribeLogDirs and tools). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** The segments themselves (read-only use: tests and tools); pending writes are written first. */
  segmentList(): readonly Segment[] {
    this.settleWrites();
    return this.segments;
  }

  setConfig(overrides: Partial<LogConfig>): void {
    this.settleWrites();
    this.config = resolveLogConfig({ ...this.config, ...overrides });
    for (const s of this.segments) s.setConfig(this.config);
  }

  /**
   * Appends one or more whole v2 batches. With assignOffsets (default), offsets from the log end
   * are stamped into each batch's baseOffset; a leaderEpoch, when given, is stamped too. The bytes
   * are written as they are (no copy) and must not change until this returns.
   */
  append(bytes: Uint8Array, options: AppendOptions = {}): AppendResult {
    this.assertOpen();
    if (bytes.length > MAX_APPEND_BYTES) throw new InvalidBatchError(`append of ${bytes.length} bytes exceeds ${MAX_APPEND_BYTES}`);
    const baseOffset = this.endOffset;
    if (options.assignOffsets === false) this.verifyReplicated(bytes);
    const batchCount = this.describeBatches(bytes, options);
    const scratch = this.batchScratch;
    const lastOffset = scratch[(batchCount - 1) * SEGMENT_BATCH_FIELDS + 3];
    const nowMs = this.clock();
    let active = this.segments[this.segments.length - 1];
    if (active.shouldRoll(bytes.length, lastOffset, nowMs)) active = this.roll(nowMs);
    const previous = active.appendState();
    const eligible = options.writeBehind === true && this.autoHighWatermark && this.config.flushMessages === Infinity;
    const deferWrite = eligible && writeBehindNow() && writeBehindInFlightBytes + bytes.length <= WRITE_BEHIND_MAX_IN_FLIGHT_BYTES;
    const writeStartMs = eligible && !deferWrite ? performance.now() : 0;
    let position: number;
    try {
      position = active.append(bytes, scratch, batchCount, deferWrite);
      if (writeStartMs > 0) noteSyncWrite(bytes.length, performance.now() - writeStartMs);
    } catch (error) {
      // Bytes past the logical end may now be partly written: never append to this segment again.
      active.hasStaleTail = true;
      throw this.ioFailed(error, "write", { segment: active.baseOffset, offset: baseOffset });
    }
    const unflushed = this.unflushedRecords + lastOffset - baseOffset + 1;
    if (unflushed >= this.config.flushMessages) {
      try {
        for (const s of this.segments) if (s.hasUnflushedData) s.flush();
      } catch (error) {
        // Not durable, so not acknowledged: the segment's logical end goes back, the bytes stay
        // (a mapped file never shrinks) and the segment is never appended to again.
        active.restoreAppendState(previous);
        active.hasStaleTail = true;
        throw this.ioFailed(error, "sync", { segment: active.baseOffset, offset: baseOffset });
      }
      this.unflushedRecords = 0;
      this.lastFlushMs = nowMs;
    } else {
      this.unflushedRecords = unflushed;
    }
    this.endOffset = lastOffset + 1;
    if (deferWrite) {
      try {
        this.startWrite(active, bytes, position, this.endOffset);
      } catch (error) {
        active.hasStaleTail = true;
        throw this.ioFailed(error, "write", { segment: active.baseOffset, offset: baseOffset });
      }
    } else if (this.pendingWrites.length > 0) {
      // Written already, but behind appends still being written: the written prefix waits for them.
      this.pendingWrites.push({ segment: active, bytes, position, endOffset: this.endOffset, done: true });
    } else {
      this.writtenEnd = this.endOffset;
    }
    this.recordEpochs(bytes, batchCount, options);
    if (this.autoHighWatermark) this.hwm = this.endOffset;
    this.notify("append");
    return {
      baseOffset,
      lastOffset,
      logAppendTimeMs: options.logAppendTimeMs ?? -1,
      batchCount,
      sizeBytes: bytes.length,
    };
  }

  private startWrite(segment: Segment, bytes: Uint8Array, position: number, endOffset: number): void {
    const entry: PendingWrite = { segment, bytes, position, endOffset, done: false };
    segment.writeAsync(bytes, position, (error) => {
      writeBehindInFlightBytes -= bytes.length;
      unhold(bytes.buffer);
      if (entry.done) return; // settleWrites wrote it meanwhile
      if (error) {
        if (this.closed || this.offlineReason !== null) return;
        segment.hasStaleTail = true;
        this.ioFailed(error, "write", { segment: segment.baseOffset, offset: endOffset });
        // Waiting acknowledgements look again and find the log offline.
        this.notify("high-watermark");
        return;
      }
      entry.done = true;
      this.advanceWritten();
    });
    this.pendingWrites.push(entry);
    writeBehindInFlightBytes += bytes.length;
    hold(bytes.buffer);
  }

  /** Moves writtenEnd over the written prefix of the pending appends; wakes waiters if it moved. */
  private advanceWritten(): void {
    const pending = this.pendingWrites;
    let i = 0;
    while (i < pending.length && pending[i].done) i++;
    if (i === 0) return;
    this.writtenEnd = pending[i - 1].endOffset;
    const last = pending[i - 1].segment;
    pending.splice(0, i);
    if (pending.length === 0) last.writtenUpTo = Infinity;
    else pending[0].segment.writtenUpTo = pending[0].position;
    if (!this.closed) this.notify("high-watermark");
  }

  /**
   * Writes every pending write-behind append on the caller's thread (the same bytes at the same
   * positions: a pool write of them still running is harmless), so the files hold the whole log.
   */
  settleWrites(): void {
    if (this.pendingWrites.length === 0 || this.closed || this.offlineReason !== null) return;
    for (const entry of this.pendingWrites) {
      if (entry.done) continue;
      try {
        entry.segment.writeNow(entry.bytes, entry.position);
      } catch (error) {
        entry.segment.hasStaleTail = true;
        throw this.ioFailed(error, "write", { segment: entry.segment.baseOffset, offset: entry.endOffset });
      }
      entry.done = true;
    }
    this.advanceWritten();
  }

  /** Validates the batch framing, stamps offsets (and epoch, LogAppendTime), fills the scratch. */
  private describeBatches(bytes: Uint8Array, options: AppendOptions): number {
    const assign = options.assignOffsets ?? true;
    let next = this.endOffset;
    let pos = 0;
    let count = 0;
    while (pos < bytes.length) {
      if (bytes.length - pos < BATCH_HEADER_BYTES) throw new InvalidBatchError(`truncated batch header at byte ${pos}`);
      const size = batchSizeAt(bytes, pos);
      if (size < BATCH_HEADER_BYTES || size > bytes.length - pos) throw new InvalidBatchError(`bad batch length at byte ${pos}`);
      if (bytes[pos + MAGIC_POS] !== CURRENT_MAGIC) throw new InvalidBatchError(`magic ${bytes[pos + MAGIC_POS]} at byte ${pos}`);
      const delta = readInt32(bytes, pos + LAST_OFFSET_DELTA_POS);
      if (delta < 0) throw new InvalidBatchError(`negative lastOffsetDelta at byte ${pos}`);
      if (assign) {
        writeInt64(bytes, pos, next);
      } else if (baseOffsetAt(bytes, pos) !== next) {
        throw new InvalidBatchError(`batch at byte ${pos} has baseOffset ${baseOffsetAt(bytes, pos)}, expected ${next}`);
      }
      if (options.leaderEpoch !== undefined) writeInt32(bytes, pos + LEADER_EPOCH_POS, options.leaderEpoch);
      if (options.logAppendTimeMs !== undefined) {
        bytes[pos + ATTRIBUTES_POS + 1] |= TIMESTAMP_TYPE_LOG_APPEND_BIT;
        writeInt64(bytes, pos + MAX_TIMESTAMP_POS, options.logAppendTimeMs);
        writeInt32(bytes, pos + CRC_POS, crc32c(bytes.subarray(pos + CRC_START_POS, pos + size)));
      }
      const slot = count * SEGMENT_BATCH_FIELDS;
      if (slot + SEGMENT_BATCH_FIELDS > this.batchScratch.length) this.growScratch();
      const scratch = this.batchScratch;
      scratch[slot] = pos;
      scratch[slot + 1] = size;
      scratch[slot + 2] = next;
      scratch[slot + 3] = next + delta;
      scratch[slot + 4] = maxTimestampAt(bytes, pos);
      next += delta + 1;
      pos += size;
      count++;
    }
    if (count === 0) throw new InvalidBatchError("append of no batches");
    return count;
  }

  /** Replicated batches are verified as a follower receives them (Kafka's follower does too). */
  private verifyReplicated(bytes: Uint8Array): void {
    const r = verifyBatches(bytes, 0, bytes.length, { afterOffset: this.endOffset - 1, offsetLimit: -1, maxLeaderEpoch: -1 });
    if (r.fault !== null) throw new InvalidBatchError(`replicated batch at byte ${r.fault.position} fails verification (${r.fault.reason}: ${r.fault.detail})`);
  }

  private growScratch(): void {
    // Bounded: at most MAX_APPEND_BYTES / BATCH_HEADER_BYTES batches fit in one append.
    const grown = new Float64Array(this.batchScratch.length * 2);
    grown.set(this.batchScratch);
    this.batchScratch = grown;
  }

  private recordEpochs(bytes: Uint8Array, batchCount: number, options: AppendOptions): void {
    const scratch = this.batchScratch;
    if (options.leaderEpoch !== undefined) {
      if (options.leaderEpoch > this.epochs.latestEpoch()) this.epochs.assign(options.leaderEpoch, scratch[2]);
      return;
    }
    for (let i = 0; i < batchCount; i++) {
      const slot = i * SEGMENT_BATCH_FIELDS;
      const epoch = readInt32(bytes, scratch[slot] + LEADER_EPOCH_POS);
      if (epoch > this.epochs.latestEpoch()) this.epochs.assign(epoch, scratch[slot + 2]);
    }
  }

  /** Starts a new active segment at the log end; the old one is flushed in the background. */
  private roll(nowMs: number): Segment {
    this.settleWrites();
    if (this.segments.length >= MAX_SEGMENTS_PER_PARTITION) throw new Error(`${this.dir}: too many segments`);
    const sealed = this.segments[this.segments.length - 1];
    let fresh: Segment;
    if (sealed.isEmpty) {
      // Only a segment with a stale tail is rolled while empty: replace it by a fresh file.
      this.segments.pop();
      sealed.delete();
      fresh = Segment.create(this.dir, this.endOffset, this.config, nowMs);
    } else {
      fresh = Segment.create(this.dir, this.endOffset, this.config, nowMs);
      this.scheduleFlush(sealed);
    }
    fsyncDir(this.dir);
    this.segments.push(fresh);
    return fresh;
  }

  /** Rolls a new active segment now (when the active one holds data); Kafka's log.roll(). */
  rollNow(): void {
    this.assertOpen();
    if (!this.segments[this.segments.length - 1].isEmpty) this.roll(this.clock());
  }

  private scheduleFlush(sealed: Segment): void {
    this.flushChain = this.flushChain
      .then(async () => {
        if (this.closed || !this.segments.includes(sealed)) return;
        await sealed.flushAsync();
        if (this.closed || !this.segments.includes(sealed)) return;
        sealed.persistIndexes(true);
        this.recoveryPoint = Math.max(this.recoveryPoint, Math.min(sealed.nextOffset, this.endOffset));
      })
      .catch((error) => {
        try {
          this.ioFailed(error, "background flush", { segment: sealed.baseOffset, offset: sealed.nextOffset });
        } catch (logError) {
          this.logger?.error("storage failure handling failed", { topic: this.topic, partition: this.partition, error: logError });
        }
      });
  }

  /** Resolves when the background flushes scheduled so far are done. */
  whenFlushed(): Promise<void> {
    return this.flushChain;
  }

  /**
   * Whole batches from the one holding `fetchOffset`, up to `maxBytes` (at least one batch unless
   * minOneBatch is false), below the high watermark unless maxOffsetExclusive says otherwise.
   * Throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset].
   */
  read(fetchOffset: number, maxBytes: number, options: ReadOptions = {}): ReadResult {
    this.assertOpen();
    if (fetchOffset < this.startOffset || fetchOffset > this.endOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, this.startOffset, this.endOffset);
    }
    const limit = Math.min(options.maxOffsetExclusive ?? this.hwm, this.writtenEnd);
    const minOneBatch = options.minOneBatch ?? true;
    const batches: Uint8Array[] = [];
    let sizeBytes = 0;
    let offset = fetchOffset;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length && offset < limit; i++) {
      const segment = this.segments[i];
      const result = segment.read(offset, maxBytes - sizeBytes, limit, minOneBatch && batches.length === 0);
      if (result.view !== null) {
        const view = this.verifiedPrefix(segment, result.position, result.view, offset);
        if (view.length > 0) {
          batches.push(view);
          sizeBytes += view.length;
        }
        if (view.length < result.view.length) {
          // A corrupt batch follows: serve what is valid before it; a read starting at it fails.
          if (batches.length === 0) throw this.corruptReadError(segment, offset);
          break;
        }
      }
      if (!result.endReached) break;
      offset = segment.nextOffset;
    }
    return { batches, sizeBytes, highWatermark: this.highWatermark, logStartOffset: this.startOffset, logEndOffset: this.endOffset };
  }

  /**
   * The read-path verification seam: the longest prefix of `view` (read at `position` of
   * `segment`) made of verified batches. Ranges verified before (appended here, scanned at
   * recovery, read or scrubbed: segment.verified) cost a lookup; others are verified once
   * (scrub/verify.ts) and remembered. A bad batch is recorded as a corrupt range.
   */
  private verifiedPrefix(segment: Segment, position: number, view: Uint8Array, readOffset: number): Uint8Array {
    const end = position + view.length;
    const known = this.corrupt.inSegment(segment.baseOffset, end - 1);
    const checkTo = known !== undefined && known.position >= position ? known.position - position : view.length;
    if (segment.verified.covers(position, position + checkTo)) return checkTo === view.length ? view : view.subarray(0, checkTo);
    // The read's position was found by walking headers from the nearest index entry: the batches
    // walked over are verified too (a rotten length or last offset there would have skipped
    // offsets silently), and the last of them bounds the range's first base offset.
    let after: number | null = null;
    let walkFrom = 0;
    let walkAfter = segment.baseOffset - 1;
    for (const e of segment.indexEntries()) {
      if (e.position > position) break;
      walkFrom = e.position;
      walkAfter = e.offset - 1;
    }
    if (walkFrom < position && !segment.verified.covers(walkFrom, position)) {
      const w = verifyBatches(segment.mappedLog(), walkFrom, position, { afterOffset: walkAfter, offsetLimit: segment.nextOffset, maxLeaderEpoch: this.epochs.latestEpoch() });
      segment.verified.add(walkFrom, w.end);
      if (w.fault !== null) {
        this.recordCorruption(segment, w.fault.position, w.batchCount > 0 ? w.lastOffset + 1 : walkAfter + 1, w.fault, "read");
        return view.subarray(0, 0);
      }
      after = w.lastOffset;
    } else {
      after = walkFrom === position ? walkAfter : lastOffsetBefore(segment, position);
    }
    const r = verifyBatches(view, 0, checkTo, { afterOffset: after ?? -1, offsetLimit: segment.nextOffset, maxLeaderEpoch: this.epochs.latestEpoch() });
    segment.verified.add(position, position + r.end);
    if (r.fault !== null) {
      const before = r.batchCount > 0 ? r.lastOffset : after;
      const firstOffset = before !== null ? before + 1 : readOffset;
      this.recordCorruption(segment, position + r.fault.position, firstOffset, r.fault, "read");
    }
    return r.end === view.length ? view : view.subarray(0, r.end);
  }

  private corruptReadError(segment: Segment, offset: number): CorruptRecordsError {
    const range = this.corrupt.inSegment(segment.baseOffset);
    const where = range ? `${range.file} position ${range.position}` : segment.logPath;
    return new CorruptRecordsError(range?.file ?? segment.logPath, range?.position ?? -1, offset,
      `${this.topic}-${this.partition}: the batch holding offset ${offset} is corrupt (${range ? `${range.reason}: ${range.detail}` : "verification failed"}) at ${where}; offsets [${range?.firstOffset ?? offset}, ${range?.endOffset ?? segment.nextOffset}) are not served`);
  }

  /**
   * Records a corrupt batch at `position` of `segment` (the read path, the scrubber, a repair);
   * a new range is logged once, at ERROR, with its file and position, and handed to onCorruption.
   * Returns the range (the one already known when it is not new).
   */
  recordCorruption(segment: Segment, position: number, firstOffset: number, fault: BatchFault, source: CorruptionSource): CorruptRange {
    const range: CorruptRange = {
      topic: this.topic,
      partition: this.partition,
      segmentBaseOffset: segment.baseOffset,
      file: segment.logPath,
      position,
      sizeBytes: segment.sizeBytes - position,
      firstOffset: Math.max(firstOffset, segment.baseOffset),
      endOffset: segment.nextOffset,
      reason: fault.reason,
      detail: fault.detail,
      detectedBy: source,
      detectedAtMs: Date.now(),
    };
    if (!this.corrupt.add(range)) return this.corrupt.inSegment(segment.baseOffset, position) ?? range;
    this.logger?.error("corrupt record batch in the log: not served", { ...range });
    try {
      this.onCorruption?.(this, range);
    } catch (error) {
      this.logger?.error("corruption handler failed", { topic: this.topic, partition: this.partition, error });
    }
    return range;
  }

  /** Forgets corrupt ranges whose bytes are no longer in the log (deleted or cut segments). */
  private pruneCorrupt(): void {
    if (this.corrupt.size === 0) return;
    const sizes = new Map(this.segments.map((s) => [s.baseOffset, s.sizeBytes]));
    for (const r of [...this.corrupt.list()]) {
      const size = sizes.get(r.segmentBaseOffset);
      if (size === undefined || r.position >= size) this.corrupt.clearSegment(r.segmentBaseOffset);
    }
  }

  /** Index of the last segment whose base offset is <= offset (0 when none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * ListOffsets by timestamp: the first batch (at or past the log start) whose maxTimestamp is >=
   * timestampMs, as its base offset and that timestamp; null when there is none. Batch granularity:
   * records inside the batch that are older are returned too, and consumers skip them.
   */
  offsetForTimestamp(timestampMs: number): { offset: number; timestampMs: number } | null {
    this.assertOpen();
    this.settleWrites();
    for (const segment of this.segments) {
      if (segment.maxTimestampMs < timestampMs) continue;
      const found = segment.findByTimestamp(timestampMs);
      if (found !== null) return { offset: Math.max(found.offset, this.startOffset), timestampMs: found.timestampMs };
    }
    return null;
  }

  /** The largest batch maxTimestamp in the log and the base offset of its batch (-1, -1 when empty). */
  maxTimestamp(): { offset: number; timestampMs: number } {
    this.settleWrites();
    let best = { offset: -1, timestampMs: -1 };
    for (const segment of this.segments) {
      if (segment.maxTimestampMs > best.timestampMs) {
        const found = segment.findByTimestamp(segment.maxTimestampMs);
        if (found !== null) best = found;
      }
    }
    return best;
  }

  /** Sets the high watermark (replication); clamped to [logStartOffset, logEndOffset]. */
  updateHighWatermark(offset: number): void {
    this.settleWrites();
    const clamped = Math.min(Math.max(offset, this.startOffset), this.endOffset);
    if (clamped === this.hwm) return;
    this.hwm = clamped;
    this.notify("high-watermark");
  }

  /**
   * DeleteRecords: moves the log start offset to `offset` (which must not pass the high watermark)
   * and deletes the segments wholly below it. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    this.assertOpen();
    this.settleWrites();
    if (offset > this.hwm || offset < 0) throw new OffsetOutOfRangeError(offset, this.startOffset, this.hwm);
    if (offset <= this.startOffset) return this.startOffset;
    this.startOffset = offset;
    this.deleteSegmentsBelowStart();
    this.pruneCorrupt();
    this.epochs.truncateFromStart(this.startOffset);
    this.writeCheckpoint();
    return this.startOffset;
  }

  private deleteSegmentsBelowStart(): number {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1].baseOffset <= this.startOffset) {
      this.segments.shift()?.delete();
      deleted++;
    }
    return deleted;
  }

  /**
   * Removes every batch at or past `offset` (a follower diverging from its leader). A batch holding
   * `offset` goes whole, so the new log end may be below `offset`. See segment.ts for how this
   * respects "a mapped file never shrinks".
   */
  truncateTo(offset: number): void {
    this.assertOpen();
    this.settleWrites();
    if (offset >= this.endOffset) return;
    const nowMs = this.clock();
    const holding = this.segments[this.segmentIndexFor(offset)];
    const holdingPosition = holding.positionOf(offset);
    const readBase = holdingPosition < holding.sizeBytes ? holding.batchBaseOffsetAt(holdingPosition) : offset;
    // A rotten header (issue 26) may name any base: the batch holding `offset` starts in [segment base, offset].
    const holdingBase = readBase >= holding.baseOffset && readBase <= offset ? readBase : offset;
    if (offset <= this.segments[0].baseOffset || offset <= this.startOffset || holdingBase < this.startOffset) {
      // Nothing at or above the log start would survive: start over at `offset`.
      const target = Math.max(offset, 0);
      for (const s of this.segments) s.delete();
      this.segments = [Segment.create(this.dir, target, this.config, nowMs)];
      this.startOffset = target;
    } else {
      while (this.segments[this.segments.length - 1].baseOffset >= offset) this.segments.pop()?.delete();
      const last = this.segments[this.segments.length - 1];
      const newEnd = last.truncateTo(offset);
      if (last.isEmpty) {
        this.segments.pop();
        last.delete();
        this.segments.push(Segment.create(this.dir, newEnd, this.config, nowMs));
      } else if (last.hasStaleTail) {
        this.segments.push(Segment.create(this.dir, newEnd, this.config, nowMs));
      }
    }
    fsyncDir(this.dir);
    this.endOffset = this.segments[this.segments.length - 1].nextOffset;
    this.hwm = Math.min(this.hwm, this.endOffset);
    this.recoveryPoint = Math.min(this.recoveryPoint, this.endOffset);
    this.epochs.truncateFromEnd(this.endOffset);
    this.pruneCorrupt();
    this.writeCheckpoint();
  }

  /**
   * Retention: deletes the oldest segments whose newest timestamp is older than retention.ms, then
   * while the log is larger than retention.bytes, then those below the log start offset. Never the
   * active segment, never a segment with offsets at or above the high watermark.
   * Returns the number of segments deleted.
   */
  applyRetention(nowMs: number = this.clock()): number {
    this.assertOpen();
    this.settleWrites();
    const deletable = () => this.segments.length > 1 && this.segments[1].baseOffset <= this.hwm;
    let deleted = 0;
    const drop = () => {
      this.segments.shift()?.delete();
      deleted++;
    };
    // Tiered: the local retention applies, and only to segments already copied to the object store.
    const tiered = this.config.remoteStorageEnable;
    const copiedUpTo = tiered ? (this.remoteCopiedUpTo?.() ?? -1) : Infinity;
    const expirable = () => deletable() && this.segments[0].nextOffset <= copiedUpTo;
    const retentionMs = tiered ? this.config.localRetentionMs : this.config.retentionMs;
    const retentionBytes = tiered ? this.config.localRetentionBytes : this.config.retentionBytes;
    if (retentionMs >= 0) {
      while (expirable() && nowMs - this.segments[0].maxTimestampMs > retentionMs) drop();
    }
    if (retentionBytes >= 0) {
      let total = this.sizeBytes;
      while (expirable() && total - this.segments[0].sizeBytes >= retentionBytes) {
        total -= this.segments[0].sizeBytes;
        drop();
      }
    }
    while (deletable() && this.segments[1].baseOffset <= this.startOffset) drop();
    if (deleted > 0) {
      this.pruneCorrupt();
      this.startOffset = Math.max(this.startOffset, this.segments[0].baseOffset);
      this.epochs.truncateFromStart(this.startOffset);
      this.writeCheckpoint();
    }
    return deleted;
  }

  /**
   * The log cleaner's swap (cleaner/swap.ts): the fsynced `.swap` file at `swapPath` replaces
   * `sources`, consecutive segments below the active one, and becomes a segment at the first one's
   * base offset. Runs synchronously: produce and fetch wait only for this. Returns false, changing
   * nothing, when `sources` are no longer consecutive sealed segments of this log (retention or a
   * truncation moved on meanwhile). Readers' views of the old segments stay valid (unlinked, never cut).
   */
  replaceSegments(sources: readonly Segment[], swapPath: string): boolean {
    this.assertOpen();
    this.settleWrites();
    const first = sources.length > 0 ? this.segments.indexOf(sources[0]) : -1;
    if (first < 0 || first + sources.length >= this.segments.length) return false;
    for (let i = 0; i < sources.length; i++) if (this.segments[first + i] !== sources[i]) return false;
    const base = sources[0].baseOffset;
    const nextBase = this.segments[first + sources.length].baseOffset;
    try {
      for (const s of sources) s.delete();
      fs.renameSync(swapPath, path.join(this.dir, segmentFileName(base, LOG_SUFFIX)));
      fsyncDir(this.dir);
      const { segment } = Segment.load(this.dir, base, this.config, { recover: false, nextSegmentBase: nextBase, nowMs: this.clock() });
      this.segments.splice(first, sources.length, segment);
    } catch (error) {
      // Half swapped in memory: the directory goes offline; the next start completes the swap.
      throw this.ioFailed(error, "segment swap", { segment: base, offset: base });
    }
    this.transactions?.segmentsReplaced(base, nextBase);
    for (const r of [...this.corrupt.list()]) if (r.segmentBaseOffset >= base && r.segmentBaseOffset < nextBase) this.corrupt.clearSegment(r.segmentBaseOffset);
    return true;
  }

  /** fsyncs every segment with unflushed data (flush.messages / flush.ms, or on demand). */
  flush(): void {
    this.assertOpen();
    this.settleWrites();
    for (const s of this.segments) {
      if (!s.hasUnflushedData) continue;
      try {
        s.flush();
      } catch (error) {
        throw this.ioFailed(error, "sync", { segment: s.baseOffset, offset: s.nextOffset });
      }
    }
    this.unflushedRecords = 0;
    this.lastFlushMs = this.clock();
  }

  /** flush.ms: flushes when unflushed data is older than the policy allows. Returns whether it did. */
  maybeFlushByTime(nowMs: number = this.clock()): boolean {
    if (this.closed || this.offlineReason !== null || this.unflushedRecords === 0 || nowMs - this.lastFlushMs < this.config.flushMs) return false;
    this.flush();
    return true;
  }

  /** Flushes everything and records recovery point = log end offset (periodic, and at close). */
  checkpoint(): void {
    this.assertOpen();
    this.settleWrites();
    for (const s of this.segments) {
      try {
        s.flush();
      } catch (error) {
        throw this.ioFailed(error, "sync", { segment: s.baseOffset, offset: s.nextOffset });
      }
    }
    this.unflushedRecords = 0;
    this.lastFlushMs = this.clock();
    this.recoveryPoint = this.endOffset;
    if (`${this.recoveryPoint}/${this.startOffset}/${this.highWatermark}` !== this.lastSavedCheckpoint) this.writeCheckpoint();
  }

  /** Writes the checkpoint file when its values changed since the last write (periodic task). */
  saveCheckpoint(): boolean {
    if (this.closed || this.offlineReason !== null) return false;
    const current = `${this.recoveryPoint}/${this.startOffset}/${this.highWatermark}`;
    if (current === this.lastSavedCheckpoint) return false;
    this.writeCheckpoint();
    return true;
  }

  private writeCheckpoint(): void {
    writePartitionCheckpoint(this.dir, {
      recoveryPoint: this.recoveryPoint,
      logStartOffset: this.startOffset,
      highWatermark: this.highWatermark,
    });
    this.lastSavedCheckpoint = `${this.recoveryPoint}/${this.startOffset}/${this.highWatermark}`;
  }

  /** Wakes on appends and high-watermark moves; returns the unsubscribe function. */
  subscribe(listener: LogListener): () => void {
    if (this.listeners.size >= MAX_APPEND_LISTENERS) throw new Error(`${this.dir}: too many log listeners`);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(kind: LogEventKind): void {
    if (this.listeners.size === 0) return;
    const event: LogEvent = { kind, logEndOffset: this.endOffset, highWatermark: this.highWatermark };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger?.error("log listener threw", { topic: this.topic, partition: this.partition, offset: this.endOffset, error });
      }
    }
  }

  /** Flushes, checkpoints, writes the clean-shutdown marker and closes the files. */
  close(): void {
    if (this.closed) return;
    if (this.offlineReason !== null) {
      // Nothing is vouched for in an offline directory: the next start recovers it.
      this.abandon();
      return;
    }
    this.checkpoint();
    writeCleanShutdownMarker(this.dir, this.endOffset);
    this.closed = true;
    for (const s of this.segments) s.close();
    this.listeners.clear();
  }

  /** Closes without flushing or marking clean (tests that simulate a crash; and deletion). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.segments) s.close();
    this.listeners.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The directory failed: refuse everything from now on (see the log manager). */
  markOffline(reason: string): void {
    this.offlineReason ??= reason;
  }

  get isOffline(): boolean {
    return this.offlineReason !== null;
  }

  /**
   * A write or sync failed: logs it with its context, has the owner take the directory offline
   * (or goes offline alone without an owner) and returns the error to throw.
   */
  private ioFailed(error: unknown, op: string, at: { segment: number; offset: number }): Error {
    const owned = this.onIoFailure?.(this, error, op);
    // A full directory is logged by its owner once per state change (disk-space.ts), not per append.
    if (!(owned instanceof LogDirFullError)) this.logger?.error(`storage ${op} failed`, { topic: this.topic, partition: this.partition, segment: at.segment, offset: at.offset, dir: this.dir, error });
    if (owned) return owned;
    this.markOffline(`${op} failed: ${(error as Error)?.message ?? String(error)}`);
    return new LogDirOfflineError(path.dirname(this.dir), `${this.dir}: ${op} failed: ${(error as Error)?.message ?? String(error)}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new LogClosedError(`${this.dir}: log is closed`);
    if (this.offlineReason !== null) throw new LogDirOfflineError(path.dirname(this.dir), `${this.dir}: log directory offline: ${this.offlineReason}`);
  }
}

/** Base offsets of the `.log` files in `dir`, ascending; removes temp files and orphan indexes. */
function listSegmentBases(dir: string): number[] {
  const names = fs.readdirSync(dir);
  const bases: number[] = [];
  const logNames = new Set<string>();
  for (const name of names) {
    const base = parseSegmentFileName(name);
    if (base !== null) {
      bases.push(base);
      logNames.add(name.slice(0, -".log".length));
    }
  }
  for (const name of names) {
    if (name.endsWith(".tmp")) fs.rmSync(path.join(dir, name), { force: true });
    const match = /^(\d{20})\.(index|timeindex|txnindex)$/.exec(name);
    if (match && !logNames.has(match[1])) fs.rmSync(path.join(dir, name), { force: true });
  }
  return bases.sort((a, b) => a - b);
}
