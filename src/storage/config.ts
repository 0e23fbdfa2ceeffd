/**
 * Per-log configuration (Kafka's topic-level names in comments) and storage limits.
 * Units are in the names; Infinity means "never" where Kafka uses Long.MAX_VALUE, and -1 retention
 * means unlimited, as in Kafka.
 */

export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is older than this. */
  segmentMs: number;
  /** segment.index.bytes: roll when the offset index would grow past this. */
  segmentIndexBytes: number;
  /** index.interval.bytes: an offset/time index entry every this many log bytes. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest timestamp is older than this; -1 = keep. */
  retentionMs: number;
  /** retention.bytes: delete old segments while the log is larger than this; -1 = keep. */
  retentionBytes: number;
  /** flush.messages: fsync after this many appended records (1 = fsync every append). */
  flushMessages: number;
  /** flush.ms: fsync when the oldest unflushed append is older than this. */
  flushMs: number;
  /** Reserve segment space ahead of appends in chunks (fallocate) instead of growing per write. */
  preallocate: boolean;
  /** cleanup.policy contains "compact": the log cleaner (cleaner/) keeps the latest record per key. */
  compact: boolean;
  /** delete.retention.ms: a tombstone is kept this long after its timestamp. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: a segment with records younger than this is not cleaned. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a dirty record older than this makes the log cleanable whatever its ratio. */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: clean when dirty bytes / cleanable bytes reach this. */
  minCleanableDirtyRatio: number;
  /**
   * remote.storage.enable (tiered storage, src/storage/remote): retention deletes local segments by
   * local.retention.ms / local.retention.bytes instead, and only those already copied to the
   * object store (PartitionLog.remoteCopiedUpTo); the total retention is the remote tier's.
   */
  remoteStorageEnable: boolean;
  /** local.retention.ms / local.retention.bytes resolved (-1 = keep). */
  localRetentionMs: number;
  localRetentionBytes: number;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  flushMessages: Infinity,
  flushMs: Infinity,
  preallocate: true,
  compact: false,
  deleteRetentionMs: 86_400_000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Infinity,
  minCleanableDirtyRatio: 0.5,
  remoteStorageEnable: false,
  localRetentionMs: -1,
  localRetentionBytes: -1,
});

/** Smallest segment.bytes accepted (Kafka's minimum is 14 bytes; a batch header is 61). */
export const MIN_SEGMENT_BYTES = 1024;
/** Largest segment: positions are stored as uint32 in the offset index. */
export const MAX_SEGMENT_BYTES = 2 ** 31 - 1;
/** Largest offset distance within one segment (relative offsets are uint32 in Kafka; kept signed). */
export const MAX_RELATIVE_OFFSET = 2 ** 31 - 1;
/** Smallest and largest preallocation step of an active segment. */
export const MIN_PREALLOCATE_CHUNK_BYTES = 1024 * 1024;
export const MAX_PREALLOCATE_CHUNK_BYTES = 64 * 1024 * 1024;
/** Batches described per scanBatches call during recovery and index rebuild (bounded output). */
export const SCAN_CHUNK_BATCHES = 4096;
/** Bytes zero-filled per write when a file tail must be cleared. */
export const ZERO_FILL_CHUNK_BYTES = 1024 * 1024;
/** Most append listeners one partition log accepts (Fetch long-polls waiting on it). */
export const MAX_APPEND_LISTENERS = 65_536;
/** Most epochs kept in a leader-epoch checkpoint. */
export const MAX_LEADER_EPOCH_ENTRIES = 100_000;
/** Most segments one partition may hold. */
export const MAX_SEGMENTS_PER_PARTITION = 1_000_000;

export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG, ...overrides };
  const fail = (key: string, why: string) => {
    throw new RangeError(`log config ${key}: ${why}`);
  };
  if (!(config.segmentBytes >= MIN_SEGMENT_BYTES && config.segmentBytes <= MAX_SEGMENT_BYTES))
    fail("segmentBytes", `must be in [${MIN_SEGMENT_BYTES}, ${MAX_SEGMENT_BYTES}]`);
  if (!(config.segmentMs > 0)) fail("segmentMs", "must be > 0");
  if (!(config.segmentIndexBytes >= 8)) fail("segmentIndexBytes", "must be >= 8");
  if (!(config.indexIntervalBytes >= 0)) fail("indexIntervalBytes", "must be >= 0");
  if (!(config.retentionMs === -1 || config.retentionMs >= 0)) fail("retentionMs", "must be -1 or >= 0");
  if (!(config.retentionBytes === -1 || config.retentionBytes >= 0)) fail("retentionBytes", "must be -1 or >= 0");
  if (!(config.flushMessages >= 1)) fail("flushMessages", "must be >= 1");
  if (!(config.flushMs >= 0)) fail("flushMs", "must be >= 0");
  return config;
}

/**
 * Write-behind appends (partition-log.ts): record bytes handed to the I/O thread pool and not yet
 * written, across every log of the process. Past it an append writes on the caller's thread, so a
 * disk that falls behind slows the producers (the event loop waits) instead of growing memory.
 */
export const WRITE_BEHIND_MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
/**
 * The adaptive write-behind policy: a synchronous append write slower than this per MiB (at least
 * this for a smaller write) means the kernel is throttling writers on writeback...
 */
export const WRITE_BEHIND_SLOW_WRITE_MS_PER_MIB = 4;
/** ... and appends are written behind for this long after it; then one synchronous write probes again. */
export const WRITE_BEHIND_WINDOW_MS = 2000;
