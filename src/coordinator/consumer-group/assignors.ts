/**
 * The server-side assignors of KIP-848 consumer groups, chosen by the client's
 * group.remote.assignor (ConsumerGroupHeartbeat server_assignor): "uniform" and "range", as Kafka
 * ships them. Pure: (members with their subscribed topics, topics with their partition counts,
 * the previous target assignment) -> the new target assignment.
 *
 * - uniform: every partition of every subscribed topic goes to one member subscribed to its topic;
 *   counts are balanced (no member can take a partition from another with two or more partitions
 *   more than it, among members subscribed to that partition's topic) and sticky: a partition stays
 *   with its previous target owner while that keeps the balance.
 * - range: per topic, the members subscribed to it sorted by member id get contiguous ranges of
 *   partitions, the first (partitions % members) one more — so members subscribed to the same
 *   co-partitioned topics get the same partition numbers of each.
 */
import { addPartition, emptyPartitions, hasPartition, removePartition, type TopicPartitions } from "./assignment.ts";

export interface AssignorMember {
  memberId: string;
  /** Topic ids this member subscribes to (existing topics only). */
  topics: ReadonlySet<string>;
}

export interface AssignorInput {
  members: readonly AssignorMember[];
  /** topic id -> partition count. */
  topics: ReadonlyMap<string, number>;
  /** memberId -> its previous target assignment (for stickiness). */
  previous: ReadonlyMap<string, TopicPartitions>;
}

export type Assignor = (input: AssignorInput) => Map<string, TopicPartitions>;

function sortedMembers(members: readonly AssignorMember[]): AssignorMember[] {
  return [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

export const rangeAssignor: Assignor = ({ members, topics }) => {
  const out = new Map<string, TopicPartitions>(members.map((m) => [m.memberId, emptyPartitions()]));
  const sorted = sortedMembers(members);
  for (const [topicId, count] of [...topics].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const subs = sorted.filter((m) => m.topics.has(topicId));
    if (subs.length === 0) continue;
    const base = Math.floor(count / subs.length);
    const extra = count % subs.length;
    let next = 0;
    subs.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0);
      for (let k = 0; k < n; k++) addPartition(out.get(m.memberId)!, topicId, next++);
    });
  }
  return out;
};

export const uniformAssignor: Assignor = ({ members, topics, previous }) => {
  const sorted = sortedMembers(members);
  const out = new Map<string, TopicPartitions>(sorted.map((m) => [m.memberId, emptyPartitions()]));
  const count = new Map<string, number>(sorted.map((m) => [m.memberId, 0]));
  const owner = new Map<string, string>(); // "topic\0p" -> member
  const key = (t: string, p: number) => `${t}\u0000${p}`;
  const give = (memberId: string, t: string, p: number) => {
    addPartition(out.get(memberId)!, t, p);
    count.set(memberId, count.get(memberId)! + 1);
    owner.set(key(t, p), memberId);
  };
  const take = (memberId: string, t: string, p: number) => {
    removePartition(out.get(memberId)!, t, p);
    count.set(memberId, count.get(memberId)! - 1);
    owner.delete(key(t, p));
  };
  // Every partition that must be owned, and who may own it.
  const all: [string, number, AssignorMember[]][] = [];
  for (const [t, n] of [...topics].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const subs = sorted.filter((m) => m.topics.has(t));
    if (subs.length === 0) continue;
    for (let p = 0; p < n; p++) all.push([t, p, subs]);
  }
  const subscribers = sorted.length === 0 ? 1 : sorted.length;
  const fairShare = Math.ceil(all.length / subscribers);
  // Sticky: previous owners keep partitions of topics they still subscribe to, up to the fair share.
  for (const [t, p, subs] of all) {
    for (const m of subs) {
      if (hasPartition(previous.get(m.memberId) ?? emptyPartitions(), t, p) && count.get(m.memberId)! < fairShare) {
        give(m.memberId, t, p);
        break;
      }
    }
  }
  // The rest to the least loaded eligible member.
  for (const [t, p, subs] of all) {
    if (owner.has(key(t, p))) continue;
    let best = subs[0]!;
    for (const m of subs) if (count.get(m.memberId)! < count.get(best.memberId)!) best = m;
    give(best.memberId, t, p);
  }
  // Balance: move a partition from a member to an eligible one with two or more fewer. Each move
  // lowers the sum of squared counts, so this ends; bounded anyway by the partition count squared.
  let budget = all.length * all.length + 1;
  let moved = true;
  while (moved && budget-- > 0) {
    moved = false;
    for (const [t, p, subs] of all) {
      const from = owner.get(key(t, p))!;
      let to: AssignorMember | null = null;
      for (const m of subs) if (count.get(m.memberId)! + 1 < count.get(from)! && (!to || count.get(m.memberId)! < count.get(to.memberId)!)) to = m;
      if (to) {
        take(from, t, p);
        give(to.memberId, t, p);
        moved = true;
      }
    }
  }
  return out;
};

export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([
  ["uniform", uniformAssignor],
  ["range", rangeAssignor],
]);
