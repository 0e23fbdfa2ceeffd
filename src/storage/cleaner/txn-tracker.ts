/**
 * Transactions as the cleaner meets them in one scan of the log in offset order (Kafka's
 * CleanedTransactionMetadata): which data batches belong to an aborted transaction (their records
 * are removed, and they never enter the offset map), and which COMMIT/ABORT markers no longer have
 * any batch of their transaction before them (such a marker may go once delete.retention.ms passed).
 *
 * Inputs: the aborted transactions of the partition (the .txnindex entries: producer id, first
 * offset, marker offset), handed over by the log's owner (PartitionLog.transactions). Every scan
 * starts its own tracker. Rules, batch by batch (`lastOffset` = the batch's last offset):
 * - first, each aborted transaction whose firstOffset <= lastOffset becomes "ongoing aborted" for
 *   its producer (entries whose marker lies before the scan start are skipped);
 * - a transactional data batch of a producer with an ongoing aborted transaction is aborted (the
 *   transaction is marked as having data in this scan); any other transactional data batch belongs
 *   to a committed transaction (the cleanable range ends at the first unstable offset, so every
 *   transaction met here has ended) and marks its producer's committed transaction as having data;
 * - an ABORT marker ends its producer's aborted transaction; it is discardable when the scan read no
 *   batch of that transaction. A COMMIT marker likewise for its committed transaction. A control
 *   batch with no record (an earlier cleaning emptied it) is discardable; a control batch of another
 *   type is kept.
 * Producer ids are numbers as the batch header reader gives them (exact below 2^53).
 * The producers tracked are those of the transactions in flight during the scan (bounded by the
 * number of producers with batches in the scanned range).
 */
import type { AbortedTxn } from "../txn-index.ts";

/** Control record types (Kafka's ControlRecordType): the key is version int16, type int16. */
export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

export class TxnTracker {
  /** Aborted transactions not yet begun in the scan, by firstOffset. */
  private readonly pending: AbortedTxn[];
  private next = 0;
  /** Producer id -> whether a batch of its aborted transaction was read. */
  private readonly ongoingAborted = new Map<number, boolean>();
  /** Producers whose committed transaction had a batch read since their last marker. */
  private readonly committedWithData = new Set<number>();

  /** `aborted`: the partition's aborted transactions (any order); `scanFrom`: the first offset scanned. */
  constructor(aborted: readonly AbortedTxn[], scanFrom: number) {
    this.pending = aborted.filter((t) => t.lastOffset >= scanFrom).sort((a, b) => a.firstOffset - b.firstOffset);
  }

  private beginUpTo(lastOffset: number): void {
    while (this.next < this.pending.length && this.pending[this.next]!.firstOffset <= lastOffset) {
      const t = this.pending[this.next++]!;
      const producerId = Number(t.producerId);
      if (!this.ongoingAborted.has(producerId)) this.ongoingAborted.set(producerId, false);
    }
  }

  /** A data batch: true when it belongs to an aborted transaction (all its records go). */
  onDataBatch(producerId: number, transactional: boolean, lastOffset: number): boolean {
    this.beginUpTo(lastOffset);
    if (!transactional) return false;
    if (this.ongoingAborted.has(producerId)) {
      this.ongoingAborted.set(producerId, true);
      return true;
    }
    this.committedWithData.add(producerId);
    return false;
  }

  /**
   * A control batch (`type` null for an emptied one, else its record's control type): true when it
   * may be discarded as far as its transaction goes (the scan read no batch of it).
   */
  onControlBatch(producerId: number, lastOffset: number, type: number | null): boolean {
    this.beginUpTo(lastOffset);
    if (type === null) return true;
    if (type === CONTROL_TYPE_ABORT) {
      const hadData = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      return hadData !== true;
    }
    if (type === CONTROL_TYPE_COMMIT) return !this.committedWithData.delete(producerId);
    return false;
  }
}

/** The control type of a control batch's first record key (version int16, type int16), or null. */
export function controlTypeOf(key: Uint8Array | null): number | null {
  if (key === null || key.length < 4) return null;
  return ((key[2]! << 24) >> 16) | key[3]!;
}
