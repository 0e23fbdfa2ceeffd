/**
 * Idempotent-producer state of one partition: for each producer id, its epoch and the metadata of
 * its last five batches (sequence range and offsets), as Kafka keeps it.
 *
 * Rules (Kafka's ProducerAppendInfo and ProducerStateEntry):
 * - A batch whose epoch equals the producer's and whose first and last sequence match one of the
 *   retained batches is a duplicate: the broker answers with that batch's original offsets and
 *   appends nothing.
 * - An epoch below the producer's current epoch is INVALID_PRODUCER_EPOCH.
 * - A new (higher) epoch must start at sequence 0, unless the broker knows no epoch for this
 *   producer (state expired or never seen), in which case any sequence is accepted.
 * - Within the current epoch the first sequence must follow the last one (wrapping after
 *   2^31-1 to 0); otherwise OUT_OF_ORDER_SEQUENCE_NUMBER.
 * Modern Kafka does not answer UNKNOWN_PRODUCER_ID to a produce: a producer without state is
 * accepted at any sequence (KIP-360), and so is it here.
 *
 * Transactions (Kafka's ProducerStateManager): a transactional batch of a producer without an
 * ongoing transaction here starts one at the batch's first offset; a control batch (a COMMIT or
 * ABORT marker written by the transaction coordinator) ends it. The first unstable offset is the
 * smallest first offset over the ongoing transactions; the partition's last stable offset (LSO) is
 * that, capped at the high watermark (partition.ts). A marker whose producer epoch is below the
 * producer's current epoch is INVALID_PRODUCER_EPOCH; a marker at a newer epoch moves the producer
 * to it (its retained batches are dropped, as Kafka's maybeUpdateProducerEpoch does). Producers with
 * an ongoing transaction are never evicted by the per-partition producer limit.
 *
 * Snapshot file (`producer-state.json` in the partition directory, written atomically):
 *   { "version": 2, "offset": <next offset covered>, "producers": [
 *       { "id": "<int64>", "epoch": n, "txnFirstOffset": <offset> | -1,
 *         "batches": [ { "firstSeq", "lastSeq", "firstOffset", "lastOffset" } ] } ] }
 * Version 1 (before transactions) has no txnFirstOffset and is still read.
 */
import { ErrorCode } from "../protocol/errors.ts";

/** Batches remembered per producer for duplicate detection (Kafka: 5, the max in-flight requests). */
export const RETAINED_BATCHES_PER_PRODUCER = 5;
/** Producers tracked per partition at most; the least recently written are dropped beyond it. */
export const MAX_PRODUCERS_PER_PARTITION = 100_000;

export interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  epoch: number;
  batches: BatchMeta[];
  /** First offset of this producer's ongoing transaction in this partition, or -1. */
  txnFirstOffset: number;
}

/** A transaction a marker ended (Kafka's CompletedTxn). */
export interface CompletedTxn {
  producerId: bigint;
  firstOffset: number;
  /** The marker's offset. */
  lastOffset: number;
  aborted: boolean;
}

export interface ProducerBatchInfo {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** recordCount - 1 */
  lastOffsetDelta: number;
}

export type SequenceCheck =
  | { kind: "append" }
  | { kind: "duplicate"; firstOffset: number; lastOffset: number }
  | { kind: "error"; errorCode: number; message: string };

const NO_EPOCH = -1;
const NO_TXN = -1;
const SNAPSHOT_VERSION = 2;
const MAX_SEQ = 2 ** 31 - 1;

export function lastSequenceOf(b: ProducerBatchInfo): number {
  const last = b.baseSequence + b.lastOffsetDelta;
  return last > MAX_SEQ ? last - MAX_SEQ - 1 : last;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQ);
}

export class PartitionProducerState {
  private readonly producers = new Map<bigint, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  /** Decides what to do with an idempotent batch before it is appended. */
  check(b: ProducerBatchInfo): SequenceCheck {
    const e = this.producers.get(b.producerId);
    if (!e) return { kind: "append" };
    const lastSeq = lastSequenceOf(b);
    if (b.producerEpoch === e.epoch) {
      for (const m of e.batches) {
        if (m.firstSeq === b.baseSequence && m.lastSeq === lastSeq) {
          return { kind: "duplicate", firstOffset: m.firstOffset, lastOffset: m.lastOffset };
        }
      }
    }
    if (b.producerEpoch < e.epoch) {
      return {
        kind: "error",
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `producer ${b.producerId} epoch ${b.producerEpoch} is older than the current epoch ${e.epoch}`,
      };
    }
    if (b.producerEpoch !== e.epoch) {
      if (b.baseSequence !== 0 && e.epoch !== NO_EPOCH) {
        return {
          kind: "error",
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `producer ${b.producerId} started epoch ${b.producerEpoch} at sequence ${b.baseSequence}, expected 0`,
        };
      }
      return { kind: "append" };
    }
    const current = e.batches.length > 0 ? e.batches[e.batches.length - 1].lastSeq : -1;
    if (e.batches.length > 0 && !inSequence(current, b.baseSequence)) {
      return {
        kind: "error",
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${b.producerId} sent sequence ${b.baseSequence} after ${current}`,
      };
    }
    return { kind: "append" };
  }

  /** Records an appended idempotent batch at its assigned offsets. */
  record(b: ProducerBatchInfo, firstOffset: number, transactional = false): void {
    const e = this.touch(b.producerId, b.producerEpoch);
    e.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSequenceOf(b), firstOffset, lastOffset: firstOffset + b.lastOffsetDelta });
    if (e.batches.length > RETAINED_BATCHES_PER_PRODUCER) e.batches.shift();
    if (transactional && e.txnFirstOffset === NO_TXN) {
      e.txnFirstOffset = firstOffset;
      this.unstableCache = null;
    }
    this.evictBeyondLimit();
  }

  /** The producer's entry at `epoch`, moved to the most recently written end (a new epoch drops its batches, keeps its transaction). */
  private touch(producerId: bigint, epoch: number): ProducerEntry {
    let e = this.producers.get(producerId);
    if (!e) e = { epoch, batches: [], txnFirstOffset: NO_TXN };
    else if (epoch !== e.epoch) e = { epoch, batches: [], txnFirstOffset: e.txnFirstOffset };
    // Re-inserting keeps the map in least-recently-written order for eviction.
    this.producers.delete(producerId);
    this.producers.set(producerId, e);
    return e;
  }

  private evictBeyondLimit(): void {
    if (this.producers.size <= MAX_PRODUCERS_PER_PARTITION) return;
    // The least recently written producer without an ongoing transaction (bounded look-ahead).
    let looked = 0;
    for (const [id, e] of this.producers) {
      if (e.txnFirstOffset === NO_TXN) {
        this.producers.delete(id);
        return;
      }
      if (++looked >= RETAINED_BATCHES_PER_PRODUCER * 100) return;
    }
  }

  /** Whether `producerId` has an ongoing transaction here at `epoch` (its first batch was verified). */
  hasOngoingTxn(producerId: bigint, epoch: number): boolean {
    const e = this.producers.get(producerId);
    return e !== undefined && e.epoch === epoch && e.txnFirstOffset !== NO_TXN;
  }

  /** 0 when a marker of `producerId` at `epoch` may be written; else its Kafka error code. */
  checkMarker(producerId: bigint, epoch: number): number {
    const e = this.producers.get(producerId);
    return e !== undefined && epoch < e.epoch ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.NONE;
  }

  /**
   * A marker of `producerId` at `epoch` was appended at `markerOffset`: ends its ongoing transaction
   * (null when it had none here, as for a marker to a partition the producer never wrote to).
   */
  completeTxn(producerId: bigint, epoch: number, markerOffset: number, commit: boolean): CompletedTxn | null {
    const e = this.touch(producerId, epoch);
    const first = e.txnFirstOffset;
    e.txnFirstOffset = NO_TXN;
    this.unstableCache = null;
    this.evictBeyondLimit();
    if (first === NO_TXN) return null;
    return { producerId, firstOffset: first, lastOffset: markerOffset, aborted: !commit };
  }

  private unstableCache: number | null = null;

  /** The smallest first offset of the ongoing transactions, or null when none is ongoing. */
  firstUnstableOffset(): number | null {
    if (this.unstableCache !== null) return this.unstableCache < 0 ? null : this.unstableCache;
    let min = Infinity;
    for (const e of this.producers.values()) if (e.txnFirstOffset !== NO_TXN && e.txnFirstOffset < min) min = e.txnFirstOffset;
    this.unstableCache = min === Infinity ? -1 : min;
    return min === Infinity ? null : min;
  }

  /** The ongoing transactions (producer id, first offset), smallest first offset first. */
  ongoingTxns(): { producerId: bigint; firstOffset: number }[] {
    const out: { producerId: bigint; firstOffset: number }[] = [];
    for (const [id, e] of this.producers) if (e.txnFirstOffset !== NO_TXN) out.push({ producerId: id, firstOffset: e.txnFirstOffset });
    return out.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Forgets batches at or above `offset` (after the log was truncated there). */
  truncateFrom(offset: number): void {
    for (const [id, e] of this.producers) {
      e.batches = e.batches.filter((m) => m.lastOffset < offset);
      if (e.txnFirstOffset >= offset) e.txnFirstOffset = NO_TXN;
      if (e.batches.length === 0 && e.txnFirstOffset === NO_TXN) this.producers.delete(id);
    }
    this.unstableCache = null;
  }

  clear(): void {
    this.producers.clear();
    this.unstableCache = null;
  }

  toJSON(coveredOffset: number): string {
    const producers = [...this.producers].map(([id, e]) => ({ id: id.toString(), epoch: e.epoch, txnFirstOffset: e.txnFirstOffset, batches: e.batches }));
    return JSON.stringify({ version: SNAPSHOT_VERSION, offset: coveredOffset, producers });
  }

  /** Loads a snapshot; returns the offset up to which it covers the log, or null if unreadable. */
  loadJSON(text: string): number | null {
    try {
      const doc = JSON.parse(text) as { version: number; offset: number; producers: { id: string; epoch: number; txnFirstOffset?: number; batches: BatchMeta[] }[] };
      if ((doc.version !== 1 && doc.version !== SNAPSHOT_VERSION) || !Number.isInteger(doc.offset)) return null;
      this.clear();
      for (const p of doc.producers) {
        const txn = doc.version >= 2 && Number.isInteger(p.txnFirstOffset) && p.txnFirstOffset! <= doc.offset ? p.txnFirstOffset! : NO_TXN;
        this.producers.set(BigInt(p.id), { epoch: p.epoch, batches: p.batches.slice(-RETAINED_BATCHES_PER_PRODUCER), txnFirstOffset: txn });
      }
      return doc.offset;
    } catch {
      return null;
    }
  }
}
