/**
 * Plans for moving work off one broker, as pure functions of a plain view of the partitions and
 * brokers (from the metadata image on a node, or from a Metadata answer in the CLI, so the same
 * plan runs against Takhin or any Kafka cluster). A plan is carried out with Kafka's own APIs:
 * AlterPartitionReassignments and ElectLeaders.
 *
 *  drain (maintenance)  every partition the broker leads gets the first other in-sync, alive
 *                       replica as its preferred leader (the replica list reordered: that replica
 *                       first, the drained broker last, the others in their order), then a
 *                       PREFERRED election moves the leadership. The broker stays a replica; as
 *                       it is no longer preferred anywhere, the automatic rebalance does not hand
 *                       leaderships back. A partition with no other in-sync alive replica is
 *                       reported as stuck (it keeps its leader).
 *  decommission         every partition with a replica on the broker is reassigned to the same
 *                       list with that broker replaced, in place, by an alive broker that holds no
 *                       replica of it: one of the same rack first, else one of a rack the partition
 *                       does not use yet, then the one holding the fewest replicas (counting the
 *                       plan), then the lowest id. When some partition has no such broker the
 *                       replication factor would drop: the whole plan is refused.
 */

export interface PartitionView {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
}

export interface BrokerView {
  readonly id: number;
  readonly rack: string | null;
  /** Registered and unfenced. */
  readonly alive: boolean;
}

export interface DrainMove {
  topic: string;
  partition: number;
  /** The reordered replica list (the new preferred leader first). */
  replicas: number[];
  leader: number;
}

export interface Stuck {
  topic: string;
  partition: number;
  reason: string;
}

export function drainPlan(brokerId: number, partitions: readonly PartitionView[], brokers: readonly BrokerView[]): { moves: DrainMove[]; stuck: Stuck[] } {
  const alive = new Set(brokers.filter((b) => b.alive).map((b) => b.id));
  const moves: DrainMove[] = [];
  const stuck: Stuck[] = [];
  for (const p of partitions) {
    if (p.leader !== brokerId) continue;
    const next = p.replicas.find((r) => r !== brokerId && p.isr.includes(r) && alive.has(r));
    if (next === undefined) {
      stuck.push({ topic: p.topic, partition: p.partition, reason: `no other in-sync replica is alive (ISR [${p.isr.join(",")}])` });
      continue;
    }
    moves.push({ topic: p.topic, partition: p.partition, replicas: [next, ...p.replicas.filter((r) => r !== next && r !== brokerId), brokerId], leader: next });
  }
  return { moves, stuck };
}

export interface DecommissionMove {
  topic: string;
  partition: number;
  /** The target replica list (the decommissioned broker replaced in place). */
  replicas: number[];
}

export function decommissionPlan(
  brokerId: number,
  partitions: readonly PartitionView[],
  brokers: readonly BrokerView[],
): { moves: DecommissionMove[] } | { error: string; partitions: Stuck[] } {
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack]));
  const candidates = brokers.filter((b) => b.alive && b.id !== brokerId).map((b) => b.id).sort((a, b) => a - b);
  const load = new Map<number, number>(candidates.map((id) => [id, 0]));
  for (const p of partitions) for (const r of p.replicas) if (load.has(r)) load.set(r, load.get(r)! + 1);
  const moves: DecommissionMove[] = [];
  const stuck: Stuck[] = [];
  const ordered = [...partitions].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  for (const p of ordered) {
    if (!p.replicas.includes(brokerId)) continue;
    const free = candidates.filter((id) => !p.replicas.includes(id));
    if (free.length === 0) {
      stuck.push({ topic: p.topic, partition: p.partition, reason: `its ${p.replicas.length} replicas need ${p.replicas.length - 1} other live brokers besides [${p.replicas.filter((r) => r !== brokerId).join(",")}]; there are none left` });
      continue;
    }
    const usedRacks = new Set(p.replicas.filter((r) => r !== brokerId).map((r) => rackOf.get(r) ?? null));
    const score = (id: number): [number, number, number] => {
      const rack = rackOf.get(id) ?? null;
      const sameRack = rack === (rackOf.get(brokerId) ?? null) ? 0 : !usedRacks.has(rack) ? 1 : 2;
      return [sameRack, load.get(id)!, id];
    };
    const pick = free.sort((a, b) => {
      const x = score(a);
      const y = score(b);
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    })[0]!;
    load.set(pick, load.get(pick)! + 1);
    moves.push({ topic: p.topic, partition: p.partition, replicas: p.replicas.map((r) => (r === brokerId ? pick : r)) });
  }
  if (stuck.length > 0) return { error: `decommissioning broker ${brokerId} would lower the replication factor of ${stuck.length} partition(s)`, partitions: stuck };
  return { moves };
}
