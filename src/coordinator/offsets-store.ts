/**
 * Committed offsets of every group, in memory: group -> topic -> partition -> entry. The durable
 * copy lives in __consumer_offsets (offsets-log.ts); this is what OffsetFetch reads. Bounded by
 * MAX_OFFSETS_PER_GROUP committed partitions per group.
 *
 * Pending transactional offsets (PendingTxnOffsets, Kafka's pendingTransactionalOffsets and
 * openTransactions): what a TxnOffsetCommit wrote, per producer id, until that producer's COMMIT
 * or ABORT marker lands on the group's __consumer_offsets partition. A commit moves each pending
 * entry into the committed offsets unless the committed one was written later in the log (a
 * higher recordOffset wins, so a plain commit after the transactional one is not overwritten
 * and compaction cannot change which is visible); an abort drops them. Bounded by
 * MAX_OFFSETS_PER_GROUP pending partitions per group and MAX_PENDING_TXN_PRODUCERS producers.
 */
import { MAX_OFFSETS_PER_GROUP, MAX_PENDING_TXN_PRODUCERS } from "./group-config.ts";

export interface OffsetEntry {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** Explicit expiry from OffsetCommit v2-4 retention_time_ms; -1 = the broker's retention applies. */
  expireTimestampMs: number;
  /** Offset of the record in __consumer_offsets that carries this entry; -1 when not known. */
  recordOffset: number;
}

export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, OffsetEntry>>>();
  private readonly counts = new Map<string, number>();

  get(group: string, topic: string, partition: number): OffsetEntry | undefined {
    return this.byGroup.get(group)?.get(topic)?.get(partition);
  }

  /** Whether one more partition fits in the group (an existing one always does). */
  canPut(group: string, topic: string, partition: number): boolean {
    if (this.get(group, topic, partition)) return true;
    return (this.counts.get(group) ?? 0) < MAX_OFFSETS_PER_GROUP;
  }

  put(group: string, topic: string, partition: number, e: OffsetEntry): void {
    let topics = this.byGroup.get(group);
    if (!topics) this.byGroup.set(group, (topics = new Map()));
    let parts = topics.get(topic);
    if (!parts) topics.set(topic, (parts = new Map()));
    if (!parts.has(partition)) this.counts.set(group, (this.counts.get(group) ?? 0) + 1);
    parts.set(partition, e);
  }

  delete(group: string, topic: string, partition: number): boolean {
    const topics = this.byGroup.get(group);
    const parts = topics?.get(topic);
    if (!parts?.delete(partition)) return false;
    if (parts.size === 0) topics!.delete(topic);
    const n = (this.counts.get(group) ?? 1) - 1;
    if (n === 0 || topics!.size === 0) {
      this.byGroup.delete(group);
      this.counts.delete(group);
    } else {
      this.counts.set(group, n);
    }
    return true;
  }

  deleteGroup(group: string): void {
    this.byGroup.delete(group);
    this.counts.delete(group);
  }

  hasGroup(group: string): boolean {
    return this.byGroup.has(group);
  }

  /** The group's topics with their committed partitions. */
  topicsOf(group: string): Map<string, Map<number, OffsetEntry>> {
    return this.byGroup.get(group) ?? new Map();
  }

  groups(): IterableIterator<string> {
    return this.byGroup.keys();
  }
}

/** One pending transactional offset. */
export interface PendingOffset {
  groupId: string;
  topic: string;
  partition: number;
  entry: OffsetEntry;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class PendingTxnOffsets {
  /** producer id -> group -> topic/partition -> pending entry. */
  private readonly byProducer = new Map<bigint, Map<string, Map<string, PendingOffset>>>();
  /** group -> topic/partition -> producers with a pending entry there (Kafka's openTransactions). */
  private readonly open = new Map<string, Map<string, Set<bigint>>>();

  /** Whether one more pending entry fits (an existing one always does). */
  canPut(producerId: bigint, groupId: string, topic: string, partition: number): boolean {
    const groups = this.byProducer.get(producerId);
    if (groups?.get(groupId)?.has(key(topic, partition))) return true;
    if (!groups && this.byProducer.size >= MAX_PENDING_TXN_PRODUCERS) return false;
    return (this.open.get(groupId)?.size ?? 0) < MAX_OFFSETS_PER_GROUP || this.open.get(groupId)!.has(key(topic, partition));
  }

  put(producerId: bigint, groupId: string, topic: string, partition: number, entry: OffsetEntry): void {
    let groups = this.byProducer.get(producerId);
    if (!groups) this.byProducer.set(producerId, (groups = new Map()));
    let parts = groups.get(groupId);
    if (!parts) groups.set(groupId, (parts = new Map()));
    const k = key(topic, partition);
    parts.set(k, { groupId, topic, partition, entry });
    let openParts = this.open.get(groupId);
    if (!openParts) this.open.set(groupId, (openParts = new Map()));
    let producers = openParts.get(k);
    if (!producers) openParts.set(k, (producers = new Set()));
    producers.add(producerId);
  }

  /**
   * Removes and returns the producer's pending entries of the groups `inGroup` selects (the groups
   * of the __consumer_offsets partition its marker landed on), oldest first.
   */
  take(producerId: bigint, inGroup: (groupId: string) => boolean = () => true): PendingOffset[] {
    const groups = this.byProducer.get(producerId);
    if (!groups) return [];
    const out: PendingOffset[] = [];
    for (const [groupId, parts] of [...groups]) {
      if (!inGroup(groupId)) continue;
      groups.delete(groupId);
      for (const [k, p] of parts) {
        out.push(p);
        this.closeOpen(groupId, k, producerId);
      }
    }
    if (groups.size === 0) this.byProducer.delete(producerId);
    return out;
  }

  private closeOpen(groupId: string, k: string, producerId: bigint): void {
    const openParts = this.open.get(groupId);
    const producers = openParts?.get(k);
    if (!producers) return;
    producers.delete(producerId);
    if (producers.size === 0) openParts!.delete(k);
    if (openParts!.size === 0) this.open.delete(groupId);
  }

  /** A tombstone for the partition: every producer's pending entry there goes (Kafka's replay). */
  deletePartition(groupId: string, topic: string, partition: number): void {
    const k = key(topic, partition);
    const producers = this.open.get(groupId)?.get(k);
    if (!producers) return;
    for (const producerId of [...producers]) {
      const groups = this.byProducer.get(producerId);
      const parts = groups?.get(groupId);
      parts?.delete(k);
      if (parts && parts.size === 0) groups!.delete(groupId);
      if (groups && groups.size === 0) this.byProducer.delete(producerId);
      this.closeOpen(groupId, k, producerId);
    }
  }

  deleteGroup(groupId: string): void {
    const openParts = this.open.get(groupId);
    if (!openParts) return;
    for (const producers of openParts.values()) {
      for (const producerId of producers) {
        const groups = this.byProducer.get(producerId);
        groups?.delete(groupId);
        if (groups && groups.size === 0) this.byProducer.delete(producerId);
      }
    }
    this.open.delete(groupId);
  }

  /** Whether some producer has a pending entry for the partition (OffsetFetch require_stable answers UNSTABLE_OFFSET_COMMIT). */
  has(groupId: string, topic: string, partition: number): boolean {
    return this.open.get(groupId)?.has(key(topic, partition)) ?? false;
  }

  hasGroup(groupId: string): boolean {
    return this.open.has(groupId);
  }

  /** The partitions of the group with a pending entry. */
  partitionsOf(groupId: string): { topic: string; partition: number }[] {
    const out: { topic: string; partition: number }[] = [];
    for (const k of this.open.get(groupId)?.keys() ?? []) {
      const at = k.lastIndexOf("\u0000");
      out.push({ topic: k.slice(0, at), partition: Number(k.slice(at + 1)) });
    }
    return out;
  }

  groups(): IterableIterator<string> {
    return this.open.keys();
  }

  /** The pending entry of one producer (tests and inspection). */
  get(producerId: bigint, groupId: string, topic: string, partition: number): OffsetEntry | undefined {
    return this.byProducer.get(producerId)?.get(groupId)?.get(key(topic, partition))?.entry;
  }
}
