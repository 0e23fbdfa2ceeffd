/**
 * Committed offsets of every group, in memory: group -> topic -> partition -> entry. The durable
 * copy lives in __consumer_offsets (offsets-log.ts); this is what OffsetFetch reads. Bounded by
 * MAX_OFFSETS_PER_GROUP committed partitions per group.
 */
import { MAX_OFFSETS_PER_GROUP } from "./group-config.ts";

export interface OffsetEntry {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** Explicit expiry from OffsetCommit v2-4 retention_time_ms; -1 = the broker's retention applies. */
  expireTimestampMs: number;
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
