/**
 * Partition sets of the KIP-848 consumer group model: a member's assignment as topic id ->
 * partition indexes. Pure helpers (copy, compare, union, difference) on that one shape; nothing
 * here knows members or epochs.
 */

/** topic id (Kafka's 22-character Uuid string) -> partition indexes. An absent topic = no partitions. */
export type TopicPartitions = Map<string, Set<number>>;

export function emptyPartitions(): TopicPartitions {
  return new Map();
}

export function copyPartitions(a: TopicPartitions): TopicPartitions {
  const out: TopicPartitions = new Map();
  for (const [t, ps] of a) if (ps.size > 0) out.set(t, new Set(ps));
  return out;
}

export function fromList(list: readonly { topicId: string; partitions: readonly number[] }[] | null | undefined): TopicPartitions {
  const out: TopicPartitions = new Map();
  for (const tp of list ?? []) {
    if (tp.partitions.length === 0) continue;
    let s = out.get(tp.topicId);
    if (!s) out.set(tp.topicId, (s = new Set()));
    for (const p of tp.partitions) s.add(p);
  }
  return out;
}

/** Sorted by topic id then partition, so answers and records are stable. */
export function toList(a: TopicPartitions): { topicId: string; partitions: number[] }[] {
  return [...a.entries()]
    .filter(([, ps]) => ps.size > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((x, y) => x - y) }));
}

export function countPartitions(a: TopicPartitions): number {
  let n = 0;
  for (const ps of a.values()) n += ps.size;
  return n;
}

export function hasPartition(a: TopicPartitions, topicId: string, p: number): boolean {
  return a.get(topicId)?.has(p) ?? false;
}

export function addPartition(a: TopicPartitions, topicId: string, p: number): void {
  let s = a.get(topicId);
  if (!s) a.set(topicId, (s = new Set()));
  s.add(p);
}

export function removePartition(a: TopicPartitions, topicId: string, p: number): void {
  const s = a.get(topicId);
  if (!s) return;
  s.delete(p);
  if (s.size === 0) a.delete(topicId);
}

export function samePartitions(a: TopicPartitions, b: TopicPartitions): boolean {
  if (countPartitions(a) !== countPartitions(b)) return false;
  for (const [t, ps] of a) for (const p of ps) if (!hasPartition(b, t, p)) return false;
  return true;
}

/** Whether a and b share at least one partition. */
export function intersects(a: TopicPartitions, b: TopicPartitions): boolean {
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (!other) continue;
    for (const p of ps) if (other.has(p)) return true;
  }
  return false;
}

export function* eachPartition(a: TopicPartitions): Generator<[string, number]> {
  for (const [t, ps] of a) for (const p of ps) yield [t, p];
}
