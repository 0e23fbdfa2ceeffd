/**
 * A partition this broker leads: its log, its idempotent-producer state and the topic config
 * that governs appends. The replica manager (replica-manager.ts) talks to this, never the handlers
 * to the storage directly. One node: the leader is the whole ISR and the high watermark follows
 * the log end offset on every append. The leader epoch is state of the partition (`leaderEpoch`,
 * set by whoever owns leadership: the partition manager today, the metadata image later).
 *
 * Every append goes through appendAsLeader, whatever its origin (Kafka's AppendOrigin): "client"
 * for Produce requests, "coordinator" for records the broker writes itself (the offsets log,
 * transactional offset commits, transaction markers). Both take the same validation and
 * producer-state path; only the rules that protect the log from clients (no control batches from a
 * client; transactional batches only once the replica manager had them verified by the
 * transaction coordinator) differ, and, as Kafka's, a coordinator's producer batch has its epoch
 * checked but not its sequence (the group coordinator writes each TxnOffsetCommit at sequence 0).
 *
 * Transactions (issue 16): every batch appended (as leader or follower, or replayed at open) goes
 * through applyBatch: a transactional batch starts its producer's ongoing transaction, a control
 * batch (COMMIT/ABORT marker) ends it, and an ended abort is written to the aborted-transaction
 * index (storage/txn-index.ts). The last stable offset is the first offset of the oldest ongoing
 * transaction, capped at the high watermark. Read committed reads stop before it and list the
 * aborted transactions of the range read. The producer-state snapshot carries the ongoing
 * transactions, so a restart rebuilds the LSO from the snapshot and the log after it.
 */
import { validateProducedBatch, type RecordError } from "./batch-validator.ts";
import type { EffectiveTopicConfig } from "./topic-config.ts";
import type { TopicInfo } from "./topics.ts";
import { PartitionProducerState } from "./producer-state.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, CONTROL_BIT, ControlType, TIMESTAMP_TYPE_BIT, TRANSACTIONAL_BIT, controlRecordType, iterateRecords, readBatchHeader, type BatchHeader } from "../protocol/record-batch.ts";
import { AbortedTxnIndex, type AbortedTxn } from "../storage/txn-index.ts";
import { CompressionError, batchRecords, decompress, recompressBatch } from "../compression/index.ts";
import { COMPRESSION_MASK, Compression } from "../protocol/record-batch.ts";
import { CorruptRecordsError, InvalidBatchError, type PartitionLog } from "../storage/index.ts";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { LeaderState } from "./replication/leader-state.ts";
import { join } from "node:path";

/** The leader epoch of a partition nobody has assigned one to (one node, first start). */
export const INITIAL_LEADER_EPOCH = 0;
/** Kafka accepts zstd batches from Produce v7 on (KIP-110). */
const FIRST_ZSTD_PRODUCE_VERSION = 7;
const LATEST_PRODUCE_VERSION = 11;
const PRODUCER_SNAPSHOT_FILE = "producer-state.json";
/** Bytes read per step while rebuilding producer state from the log. */
const REBUILD_READ_BYTES = 8 * 1024 * 1024;

/** A transaction marker appended to a partition (Partition.onTxnMarker). */
export interface AppendedTxnMarker {
  producerId: bigint;
  producerEpoch: number;
  commit: boolean;
  /** The marker's offset in the log. */
  offset: number;
}

/** Who is appending (Kafka's AppendOrigin). */
export type AppendOrigin = "client" | "coordinator";

export interface AppendAsLeaderOptions {
  origin: AppendOrigin;
  /** Wall clock of the append (timestamp checks, LogAppendTime). Default Date.now(). */
  nowMs?: number;
  /** The Produce version that carried the batch (zstd needs v7+); coordinator appends use the latest. */
  produceVersion?: number;
  /** A client's transactional batch whose partition the transaction coordinator confirmed is in its transaction. */
  transactionVerified?: boolean;
  /**
   * The log may write the batch after this returns (storage's write-behind): the caller keeps the
   * bytes unchanged and answers only once writtenEndOffset passes the result's lastOffset.
   */
  writeBehind?: boolean;
}

/** A record of a refused batch that broke a rule, by its index in the batch (KIP-467). */
export type { RecordError } from "./batch-validator.ts";

export interface ProduceResult {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  /** Offset of the last record appended (-1 when nothing was appended). */
  lastOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  /** The offending records when the batch was refused record by record; empty otherwise. */
  recordErrors: RecordError[];
}

export interface PartitionRead {
  records: Uint8Array[];
  sizeBytes: number;
  /** Read committed: the aborted transactions overlapping the range read; null for read uncommitted. */
  abortedTransactions: AbortedTxn[] | null;
}

/** The codec a topic's compression.type asks for, or null for "producer" (keep as sent). */
function targetCodec(compressionType: string): number | null {
  switch (compressionType) {
    case "producer":
      return null;
    case "uncompressed":
      return Compression.none;
    default:
      return Compression[compressionType as keyof typeof Compression] ?? null;
  }
}

export class Partition {
  readonly producers = new PartitionProducerState();
  /** The current leader epoch (stamped into every appended batch; checked against requests). */
  leaderEpoch = INITIAL_LEADER_EPOCH;
  /** Replicas in sync with the leader, the leader included (one node: 1). */
  isrSize = 1;
  /**
   * In a cluster, while this broker leads the partition: the replication state (followers' log
   * ends, ISR proposals, the high watermark; replication/leader-state.ts). Null on one node (the
   * log's high watermark follows its end) and on followers (the leader's high watermark is taken).
   */
  leaderState: LeaderState | null = null;
  /** Aborted transactions by their markers (the segments' .txnindex files). */
  readonly abortedTxns: AbortedTxnIndex;
  /**
   * Told of every COMMIT/ABORT marker appended to this partition (as leader or follower; not when
   * producer state is rebuilt from the log, at open or after a truncation), synchronously and in log order, after
   * the producer state took it. The group coordinator sets it on the __consumer_offsets
   * partitions it loads: a marker there completes the producer's pending transactional offsets.
   * Must not throw.
   */
  onTxnMarker: ((marker: AppendedTxnMarker) => void) | null = null;

  constructor(
    readonly topic: TopicInfo,
    readonly index: number,
    readonly log: PartitionLog,
    public config: EffectiveTopicConfig,
  ) {
    this.abortedTxns = new AbortedTxnIndex(log.dir, () => log.segmentBaseOffsets());
    // What the log cleaner needs: where the stable part ends, what was aborted, and segments it replaced.
    log.transactions = {
      firstUnstableOffset: () => this.producers.firstUnstableOffset(),
      abortedTransactions: () => this.abortedTxns.all(),
      segmentsReplaced: (base, end) => this.abortedTxns.forgetMarkersIn(base, end),
    };
    this.loadProducerState();
  }

  /** The last stable offset: the first offset of the oldest ongoing transaction, capped at the high watermark. */
  get lastStableOffset(): number {
    const hw = this.log.highWatermark;
    const unstable = this.producers.firstUnstableOffset();
    return unstable === null ? hw : Math.min(unstable, hw);
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }
  get highWatermark(): number {
    return this.log.highWatermark;
  }
  /** End of the log's written prefix (storage's write-behind): what an acks=1 answer waits for. */
  get writtenEndOffset(): number {
    return this.log.writtenEndOffset;
  }
  /**
   * A corrupt range is being healed (corruption-healer.ts): the follower's fetcher leaves it alone
   * until the damaged tail is cut, so the leader learns no log end from before the cut.
   */
  healing = false;
  /** The partition's log directory failed: every operation answers KAFKA_STORAGE_ERROR. */
  get offline(): boolean {
    return this.log.isOffline;
  }
  get minInsyncReplicas(): number {
    return this.config.minInsyncReplicas;
  }

  private result(errorCode: number, errorMessage: string | null, baseOffset = -1n, logAppendTimeMs = -1n, lastOffset = -1n, recordErrors: RecordError[] = []): ProduceResult {
    return { errorCode, errorMessage, baseOffset, lastOffset, logAppendTimeMs, logStartOffset: BigInt(this.log.logStartOffset), recordErrors };
  }

  /** Validates and appends one client batch (Produce v3+); kept for callers of the old name. */
  appendProduced(records: Uint8Array, nowMs: number, produceVersion = LATEST_PRODUCE_VERSION): ProduceResult {
    return this.appendAsLeader(records, { origin: "client", nowMs, produceVersion });
  }

  /**
   * Validates one v2 batch, checks it against the idempotent-producer state, appends it with this
   * partition's leader epoch and records the producer's batch. Never throws for bad input or a
   * storage failure: the result carries the Kafka error code.
   */
  appendAsLeader(records: Uint8Array, options: AppendAsLeaderOptions): ProduceResult {
    const nowMs = options.nowMs ?? Date.now();
    const produceVersion = options.produceVersion ?? LATEST_PRODUCE_VERSION;
    const c = this.config;
    const logAppendTime = c.messageTimestampType === "LogAppendTime";
    const v = validateProducedBatch(records, {
      zstdAllowed: produceVersion >= FIRST_ZSTD_PRODUCE_VERSION,
      maxMessageBytes: c.maxMessageBytes,
      logAppendTime,
      nowMs,
      timestampBeforeMaxMs: c.messageTimestampBeforeMaxMs,
      timestampAfterMaxMs: c.messageTimestampAfterMaxMs,
      compacted: c.cleanupPolicyCompact,
      topicPartition: `${this.topic.name}-${this.index}`,
      allowControlAndTransactional: options.origin === "coordinator",
      allowTransactional: options.transactionVerified === true,
      decompress: (codec, data) => decompress(codec, data),
    });
    if (!v.ok) return this.result(v.errorCode, v.message, -1n, -1n, -1n, v.recordErrors ?? []);
    const h = v.header;
    const target = targetCodec(c.compressionType);
    if (target !== null && target !== (h.attributes & COMPRESSION_MASK) && (h.attributes & CONTROL_BIT) === 0) {
      // compression.type other than "producer": the broker recompresses batches that differ.
      try {
        records = recompressBatch(records, target, undefined, v.plainRecords);
      } catch (e) {
        if (e instanceof CompressionError) return this.result(ErrorCode.CORRUPT_MESSAGE, `cannot recompress batch: ${e.message}`);
        throw e;
      }
    }
    const control = (h.attributes & CONTROL_BIT) !== 0;
    const idempotent = h.producerId >= 0n && !control;
    const info = { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, lastOffsetDelta: h.lastOffsetDelta };
    if (control && h.producerId >= 0n) {
      // A producer's control batch is a transaction marker: one COMMIT or ABORT record (Kafka's EndTransactionMarker).
      if (h.recordCount !== 1 || markerType(records, h) === null) return this.result(ErrorCode.INVALID_RECORD, "a producer's control batch holds one COMMIT or ABORT record");
      const code = this.producers.checkMarker(h.producerId, h.producerEpoch);
      if (code !== ErrorCode.NONE) return this.result(code, `marker of producer ${h.producerId} at epoch ${h.producerEpoch} is older than its current epoch`);
    }
    if (idempotent && options.origin === "coordinator") {
      // Kafka's AppendOrigin.COORDINATOR (the group coordinator's transactional offset commits):
      // no sequence or duplicate checks, only the producer epoch (a fenced producer's write is refused).
      const code = this.producers.checkMarker(h.producerId, h.producerEpoch);
      if (code !== ErrorCode.NONE) return this.result(code, `producer ${h.producerId} at epoch ${h.producerEpoch} is older than its current epoch`);
    } else if (idempotent) {
      const check = this.producers.check(info);
      if (check.kind === "duplicate") {
        return this.result(ErrorCode.NONE, null, BigInt(check.firstOffset), logAppendTime ? h.maxTimestamp : -1n, BigInt(check.lastOffset));
      }
      if (check.kind === "error") return this.result(check.errorCode, check.message);
    }
    let baseOffset: number;
    try {
      baseOffset = this.log.append(records, { leaderEpoch: this.leaderEpoch, writeBehind: options.writeBehind === true }).baseOffset;
    } catch (e) {
      if (e instanceof InvalidBatchError) return this.result(ErrorCode.CORRUPT_MESSAGE, e.message);
      return this.result(ErrorCode.KAFKA_STORAGE_ERROR, `append failed: ${(e as Error).message}`);
    }
    this.applyBatch(records, h, baseOffset);
    if (this.leaderState?.leaderAppended(this.log.logEndOffset)) this.log.updateHighWatermark(this.leaderState.highWatermark);
    return this.result(ErrorCode.NONE, null, BigInt(baseOffset), logAppendTime ? BigInt(nowMs) : -1n, BigInt(baseOffset + h.lastOffsetDelta));
  }

  /**
   * A follower appends the leader's batches as they are: offsets and leader epochs kept (they
   * must start at this log's end), the leader-epoch cache follows the batches' epochs, and the
   * idempotent-producer state is rebuilt from them so a duplicate retried to this replica once it
   * leads is recognised. A trailing partial batch is left for the next fetch. Returns the log end.
   * Throws InvalidBatchError (bad framing, offsets not at the log end) or the storage's error.
   */
  appendAsFollower(records: Uint8Array): number {
    let whole = 0;
    while (whole + BATCH_LOG_OVERHEAD_BYTES <= records.length) {
      const h = readBatchHeader(records, whole);
      const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
      if (whole + size > records.length) break;
      whole += size;
    }
    if (whole === 0) return this.log.logEndOffset;
    const bytes = records.subarray(0, whole);
    this.log.append(bytes, { assignOffsets: false });
    for (let pos = 0; pos < bytes.length; ) {
      const h = readBatchHeader(bytes, pos);
      const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
      this.applyBatch(bytes.subarray(pos, pos + size), h, Number(h.baseOffset));
      pos += size;
    }
    return this.log.logEndOffset;
  }

  /**
   * A follower's high watermark is min(leader's HW, own log end), as Kafka's follower sets it: it
   * follows the leader's also downwards (a new leader's HW may start below the old leader's until
   * its followers have fetched), so a follower never claims more than its current leader does.
   */
  followerHighWatermark(leaderHighWatermark: number): void {
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (hw !== this.log.highWatermark) this.log.updateHighWatermark(hw);
  }

  /** A follower drops its divergent tail (whole batches from `offset`); producer state is rebuilt. */
  truncateTo(offset: number): void {
    if (offset >= this.log.logEndOffset) return;
    this.log.truncateTo(offset);
    this.producers.clear();
    this.abortedTxns.truncateFrom(this.log.logEndOffset);
    // The aborted transactions below the new end stay; the rebuild from the log start must not list them again.
    this.rebuildProducerState(this.log.logStartOffset, this.log.logEndOffset);
  }

  /**
   * What an appended (or replayed) batch does to producer state: an idempotent batch is recorded
   * for duplicate detection, a transactional one starts its producer's transaction, a control
   * batch ends it (an abort is indexed). `batch` holds the whole batch; `baseOffset` is its offset.
   * Replayed batches below `indexedBelow` have their aborts already in the index.
   */
  private applyBatch(batch: Uint8Array, h: BatchHeader, baseOffset: number, indexedBelow = -1, appended = true): void {
    if (h.producerId < 0n) return;
    if ((h.attributes & CONTROL_BIT) !== 0) {
      const type = markerType(batch, h);
      if (type === null) return;
      const done = this.producers.completeTxn(h.producerId, h.producerEpoch, baseOffset, type === ControlType.COMMIT);
      if (done?.aborted && baseOffset >= indexedBelow) {
        const unstable = this.producers.firstUnstableOffset();
        this.abortedTxns.append({ producerId: done.producerId, firstOffset: done.firstOffset, lastOffset: done.lastOffset, lastStableOffset: unstable ?? done.lastOffset + 1 });
      }
      if (appended) this.onTxnMarker?.({ producerId: h.producerId, producerEpoch: h.producerEpoch, commit: type === ControlType.COMMIT, offset: baseOffset });
      return;
    }
    this.producers.record(
      { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, lastOffsetDelta: h.lastOffsetDelta },
      baseOffset,
      (h.attributes & TRANSACTIONAL_BIT) !== 0,
    );
  }

  /** Whole batches from fetchOffset up to the log end (a follower's fetch), as views. */
  readForReplica(fetchOffset: number, maxBytes: number, minOneBatch: boolean): PartitionRead {
    const r = this.log.read(fetchOffset, maxBytes, { minOneBatch, maxOffsetExclusive: this.log.logEndOffset });
    return { records: r.batches, sizeBytes: r.sizeBytes, abortedTransactions: null };
  }

  /**
   * Whole batches from fetchOffset up to the high watermark (read uncommitted) or the last stable
   * offset (read committed, with the aborted transactions overlapping the batches read), as views
   * of mapped segments.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, readCommitted = false): PartitionRead {
    if (!readCommitted) {
      const r = this.log.read(fetchOffset, maxBytes, { minOneBatch });
      return { records: r.batches, sizeBytes: r.sizeBytes, abortedTransactions: null };
    }
    const lso = this.lastStableOffset;
    const r = this.log.read(fetchOffset, maxBytes, { minOneBatch, maxOffsetExclusive: lso });
    let upper = fetchOffset;
    const last = r.batches[r.batches.length - 1];
    if (last) {
      // The offset after the last batch read (views hold whole batches, the last one at their end).
      let pos = 0;
      while (pos + BATCH_LOG_OVERHEAD_BYTES <= last.length) {
        const h = readBatchHeader(last, pos);
        upper = Number(h.baseOffset) + h.lastOffsetDelta + 1;
        pos += BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
      }
    }
    this.abortedTxns.dropBelow(this.log.logStartOffset);
    return { records: r.batches, sizeBytes: r.sizeBytes, abortedTransactions: upper > fetchOffset ? this.abortedTxns.collect(fetchOffset, upper) : [] };
  }

  /**
   * ListOffsets by timestamp: the first offset whose record timestamp is >= timestampMs, with
   * that timestamp; null when no record is that recent. The storage finds the batch; the records
   * of that batch (decompressed if need be) give the exact record.
   */
  offsetForTimestamp(timestampMs: number): { offset: number; timestampMs: number } | null {
    const found = this.log.offsetForTimestamp(timestampMs);
    if (!found) return null;
    return this.refineInBatch(found.offset, (ts) => ts >= timestampMs) ?? found;
  }

  /** The record with the largest timestamp (ListOffsets -3, KIP-734); -1/-1 when empty. */
  maxTimestamp(): { offset: number; timestampMs: number } {
    const best = this.log.maxTimestamp();
    if (best.offset < 0) return best;
    return this.refineInBatch(best.offset, (ts) => ts >= best.timestampMs) ?? best;
  }

  private refineInBatch(batchOffset: number, match: (timestampMs: number) => boolean): { offset: number; timestampMs: number } | null {
    const r = this.log.read(batchOffset, 1, { minOneBatch: true, maxOffsetExclusive: this.log.logEndOffset });
    const view = r.batches[0];
    if (!view || view.length < BATCH_LOG_OVERHEAD_BYTES) return null;
    const h = readBatchHeader(view, 0);
    const batch = view.subarray(0, BATCH_LOG_OVERHEAD_BYTES + h.batchLength);
    const logAppendTime = (h.attributes & TIMESTAMP_TYPE_BIT) !== 0;
    try {
      for (const rec of iterateRecords(batchRecords(batch), h.recordCount)) {
        const ts = Number(logAppendTime ? h.maxTimestamp : h.baseTimestamp + rec.timestampDelta);
        const offset = Number(h.baseOffset) + rec.offsetDelta;
        if (offset >= this.log.logStartOffset && match(ts)) return { offset, timestampMs: ts };
      }
    } catch {
      return null; // an unreadable batch keeps the batch-level answer
    }
    return null;
  }

  /**
   * Writes the producer-state snapshot (at clean shutdown). Partitions that never saw an
   * idempotent producer write nothing. Not fsynced: the log is the source of truth, and a snapshot
   * that did not reach the disk whole fails to parse and the state is rebuilt from the log.
   */
  saveProducerState(): void {
    if (this.log.isOffline) return; // nothing is written into a failed directory
    const path = join(this.log.dir, PRODUCER_SNAPSHOT_FILE);
    if (this.producers.size === 0) {
      if (existsSync(path)) rmSync(path, { force: true });
      return;
    }
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, this.producers.toJSON(this.log.logEndOffset));
    renameSync(tmp, path);
  }

  /**
   * Snapshot (if it does not reach past the log end), then the batches after it. The aborted
   * transactions whose markers precede the replay come from the .txnindex files; the replay
   * indexes the others again.
   */
  private loadProducerState(): void {
    const path = join(this.log.dir, PRODUCER_SNAPSHOT_FILE);
    let from = this.log.logStartOffset;
    if (existsSync(path)) {
      const covered = this.producers.loadJSON(readFileSync(path, "utf8"));
      if (covered !== null && covered <= this.log.logEndOffset && covered >= this.log.logStartOffset) from = covered;
      else this.producers.clear();
    }
    if (this.log.isOffline) return;
    this.abortedTxns.load(from);
    this.rebuildProducerState(from);
  }

  private rebuildProducerState(fromOffset: number, indexedBelow = -1): void {
    let offset = fromOffset;
    const end = this.log.logEndOffset;
    while (offset < end) {
      let r: ReturnType<PartitionLog["read"]>;
      try {
        r = this.log.read(offset, REBUILD_READ_BYTES, { maxOffsetExclusive: end, minOneBatch: true });
      } catch (error) {
        // A corrupt range (issue 26) is never served, so its producers' batches are skipped here too.
        const skipTo = error instanceof CorruptRecordsError ? (this.log.corrupt.holding(offset)?.endOffset ?? -1) : -1;
        if (skipTo <= offset) throw error;
        offset = skipTo;
        continue;
      }
      if (r.sizeBytes === 0) break;
      let next = offset;
      for (const view of r.batches) {
        for (let pos = 0; pos + BATCH_LOG_OVERHEAD_BYTES <= view.length; ) {
          const h = readBatchHeader(view, pos);
          const lastOffset = Number(h.baseOffset) + h.lastOffsetDelta;
          const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
          if (h.producerId >= 0n && lastOffset >= offset && pos + size <= view.length) {
            this.applyBatch(view.subarray(pos, pos + size), h, Number(h.baseOffset), indexedBelow, false);
          }
          next = Math.max(next, lastOffset + 1);
          pos += size;
        }
      }
      if (next <= offset) break;
      offset = next;
    }
  }
}

/** The control type (ControlType) of a control batch's one record, or null when it is not a COMMIT/ABORT marker. */
export function markerType(batch: Uint8Array, h: BatchHeader): number | null {
  if (batch.length < BATCH_HEADER_BYTES || (h.attributes & CONTROL_BIT) === 0) return null;
  try {
    for (const rec of iterateRecords(batch.subarray(BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES + h.batchLength), 1)) {
      const type = controlRecordType(rec.key);
      return type === ControlType.ABORT || type === ControlType.COMMIT ? type : null;
    }
  } catch {
    return null;
  }
  return null;
}
