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
 * Snapshot file (`producer-state.json` in the partition directory, written atomically):
 *   { "version": 1, "offset": <next offset covered>, "producers": [
 *       { "id": "<int64>", "epoch": n, "batches": [ { "firstSeq", "lastSeq", "firstOffset", "lastOffset" } ] } ] }
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
  record(b: ProducerBatchInfo, firstOffset: number): void {
    let e = this.producers.get(b.producerId);
    if (!e || b.producerEpoch !== e.epoch) {
      e = { epoch: b.producerEpoch, batches: [] };
    }
    // Re-inserting keeps the map in least-recently-written order for eviction.
    this.producers.delete(b.producerId);
    this.producers.set(b.producerId, e);
    e.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSequenceOf(b), firstOffset, lastOffset: firstOffset + b.lastOffsetDelta });
    if (e.batches.length > RETAINED_BATCHES_PER_PRODUCER) e.batches.shift();
    if (this.producers.size > MAX_PRODUCERS_PER_PARTITION) {
      const oldest = this.producers.keys().next().value as bigint;
      this.producers.delete(oldest);
    }
  }

  /** Forgets batches at or above `offset` (after the log was truncated there). */
  truncateFrom(offset: number): void {
    for (const [id, e] of this.producers) {
      e.batches = e.batches.filter((m) => m.lastOffset < offset);
      if (e.batches.length === 0) this.producers.delete(id);
    }
  }

  clear(): void {
    this.producers.clear();
  }

  toJSON(coveredOffset: number): string {
    const producers = [...this.producers].map(([id, e]) => ({ id: id.toString(), epoch: e.epoch, batches: e.batches }));
    return JSON.stringify({ version: 1, offset: coveredOffset, producers });
  }

  /** Loads a snapshot; returns the offset up to which it covers the log, or null if unreadable. */
  loadJSON(text: string): number | null {
    try {
      const doc = JSON.parse(text) as { version: number; offset: number; producers: { id: string; epoch: number; batches: BatchMeta[] }[] };
      if (doc.version !== 1 || !Number.isInteger(doc.offset)) return null;
      this.producers.clear();
      for (const p of doc.producers) this.producers.set(BigInt(p.id), { epoch: p.epoch, batches: p.batches.slice(-RETAINED_BATCHES_PER_PRODUCER) });
      return doc.offset;
    } catch {
      return null;
    }
  }
}
