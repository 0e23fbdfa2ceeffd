/**
 * Partition reassignments (AlterPartitionReassignments 45, ListPartitionReassignments 46) as KRaft
 * does them (KIP-455, ReplicationControlManager / PartitionChangeBuilder), pure functions of the image.
 *
 * A partition's registration carries the reassignment in progress: `replicas` is the union
 * (target first, then the current replicas the target drops), `addingReplicas` = target - current,
 * `removingReplicas` = current - target.
 *
 *  start     one PartitionChangeRecord sets replicas/adding/removing; the ISR and leader stay. The
 *            added replicas fetch from the leader as followers and join the ISR through the leader's
 *            AlterPartition (cluster/replication/alter-partition.ts).
 *  complete  as soon as every target replica is in the ISR (after taking the removing ones out, at
 *            least one member left): replicas = target, ISR = ISR - removing, adding/removing
 *            cleared; a leader that is removed (or no longer in the ISR) gives way to the first target
 *            replica in the new ISR that is alive (none: leaderless). Checked at the start (a reorder
 *            or a pure shrink completes at once) and on every ISR change. A record that removes
 *            replicas re-states the leader, which bumps the leader epoch: the removed ones are fenced.
 *  cancel    (null replicas) replicas and ISR lose the adding replicas, removing is cleared; a
 *            leader that was being added gives way as above. No reassignment: NO_REASSIGNMENT_IN_PROGRESS.
 * A new reassignment of a partition already being reassigned starts from its current (union) list,
 * as Kafka's does: replicas the earlier one was adding and the new one drops become removing.
 *
 * Errors, with the text Kafka 4.4 answers (probed against the local Kafka, docs/cluster.md):
 * INVALID_REPLICA_ASSIGNMENT for an empty list, a duplicate, or a broker that is not registered;
 * INVALID_REPLICATION_FACTOR when v1's allowReplicationFactorChange is false and the count differs;
 * UNKNOWN_TOPIC_OR_PARTITION; NO_REASSIGNMENT_IN_PROGRESS.
 */
import type { MetadataImage, PartitionRegistration } from "./image.ts";
import { LEADER_UNCHANGED, NO_LEADER, type PartitionChangeRecord } from "./records.ts";

export type ReassignmentErrorName = "UNKNOWN_TOPIC_OR_PARTITION" | "INVALID_REPLICA_ASSIGNMENT" | "INVALID_REPLICATION_FACTOR" | "NO_REASSIGNMENT_IN_PROGRESS";

export interface ReassignmentError {
  readonly error: ReassignmentErrorName;
  readonly message: string;
}

export function isReassigning(p: PartitionRegistration): boolean {
  return (p.addingReplicas?.length ?? 0) > 0 || (p.removingReplicas?.length ?? 0) > 0;
}

/** The target of a reassignment in progress (replicas - removing), or the replicas when none. */
export function targetReplicas(p: PartitionRegistration): number[] {
  const removing = p.removingReplicas ?? [];
  return p.replicas.filter((r) => !removing.includes(r));
}

function aliveSet(image: MetadataImage): Set<number> {
  const out = new Set<number>();
  for (const b of image.brokers.values()) if (!b.fenced) out.add(b.id);
  return out;
}

/** Checks a target replica list as Kafka's controller does (validateManualPartitionAssignment). */
export function checkTarget(image: MetadataImage, target: readonly number[]): ReassignmentError | null {
  if (target.length === 0) return { error: "INVALID_REPLICA_ASSIGNMENT", message: "The manual partition assignment includes an empty replica list." };
  const seen = new Set<number>();
  for (const id of target) {
    if (seen.has(id)) return { error: "INVALID_REPLICA_ASSIGNMENT", message: `The manual partition assignment includes the broker ${id} more than once.` };
    seen.add(id);
    if (!image.brokers.has(id)) return { error: "INVALID_REPLICA_ASSIGNMENT", message: `The manual partition assignment includes broker ${id}, but no such broker is registered.` };
  }
  return null;
}

/** What a registration becomes; `leader` LEADER_UNCHANGED when it stays. */
interface Next {
  replicas: number[];
  isr: number[];
  adding: number[];
  removing: number[];
  leader: number;
}

/** The completion rule of the header applied to `n` (unchanged when not complete). */
function complete(n: Next, currentLeader: number, alive: ReadonlySet<number>): Next {
  if (n.adding.length === 0 && n.removing.length === 0) return n;
  const isr = n.isr.filter((r) => !n.removing.includes(r));
  const replicas = n.replicas.filter((r) => !n.removing.includes(r));
  if (isr.length === 0 || !replicas.every((r) => isr.includes(r))) return n;
  return { replicas, isr, adding: [], removing: [], leader: electIfGone(replicas, isr, n.leader === LEADER_UNCHANGED ? currentLeader : n.leader, alive) };
}

/** The leader, or when it is not among `replicas`/`isr` the first of `replicas` in `isr` that is alive. */
function electIfGone(replicas: readonly number[], isr: readonly number[], leader: number, alive: ReadonlySet<number>): number {
  if (leader !== NO_LEADER && replicas.includes(leader) && isr.includes(leader)) return leader;
  return replicas.find((r) => isr.includes(r) && alive.has(r)) ?? NO_LEADER;
}

function toRecord(topicId: string, partitionId: number, p: PartitionRegistration, n: Next): PartitionChangeRecord | null {
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const replicasChanged = !same(n.replicas, p.replicas);
  const isrChanged = !same(n.isr, p.isr);
  const addingChanged = !same(n.adding, p.addingReplicas ?? []);
  const removingChanged = !same(n.removing, p.removingReplicas ?? []);
  const leader = n.leader === LEADER_UNCHANGED ? p.leader : n.leader;
  if (!replicasChanged && !isrChanged && !addingChanged && !removingChanged && leader === p.leader) return null;
  // A replica dropped from the list: the leader is re-stated so the leader epoch moves (header).
  const dropsReplica = p.replicas.some((r) => !n.replicas.includes(r));
  return {
    type: "PartitionChange",
    topicId,
    partitionId,
    replicas: replicasChanged ? n.replicas : null,
    isr: isrChanged ? n.isr : null,
    leader: leader !== p.leader || (dropsReplica && replicasChanged) ? leader : LEADER_UNCHANGED,
    addingReplicas: addingChanged ? n.adding : null,
    removingReplicas: removingChanged ? n.removing : null,
  };
}

/**
 * The record that starts (and maybe at once completes) moving partition `partitionId` of `topicId`
 * to `target`, or cancels its reassignment when `target` is null; null when nothing changes.
 */
export function reassignPartition(
  image: MetadataImage,
  topicId: string,
  partitionId: number,
  target: readonly number[] | null,
  allowReplicationFactorChange = true,
): { record: PartitionChangeRecord | null } | ReassignmentError {
  const t = image.topicsById.get(topicId);
  const p = t?.partitions[partitionId];
  if (!t || !p) return { error: "UNKNOWN_TOPIC_OR_PARTITION", message: "Unable to find partition" };
  const alive = aliveSet(image);
  if (target === null) {
    if (!isReassigning(p)) return { error: "NO_REASSIGNMENT_IN_PROGRESS", message: `No ongoing reassignment for partition ${t.name}-${partitionId}.` };
    const adding = p.addingReplicas ?? [];
    const replicas = p.replicas.filter((r) => !adding.includes(r));
    let isr = p.isr.filter((r) => !adding.includes(r));
    // Every ISR member was being added (cannot normally happen): the first original replica takes over.
    if (isr.length === 0) isr = replicas.slice(0, 1);
    const leader = electIfGone(replicas, isr, p.leader, alive);
    return { record: toRecord(topicId, partitionId, p, { replicas, isr, adding: [], removing: [], leader }) };
  }
  const bad = checkTarget(image, target);
  if (bad) return bad;
  if (!allowReplicationFactorChange && target.length !== targetReplicas(p).length) {
    return { error: "INVALID_REPLICATION_FACTOR", message: `The replication factor is changed from ${targetReplicas(p).length} to ${target.length}` };
  }
  const current = p.replicas;
  const next: Next = {
    replicas: [...target, ...current.filter((r) => !target.includes(r))],
    isr: [...p.isr],
    adding: target.filter((r) => !current.includes(r)),
    removing: current.filter((r) => !target.includes(r)),
    leader: LEADER_UNCHANGED,
  };
  return { record: toRecord(topicId, partitionId, p, complete(next, p.leader, alive)) };
}

/**
 * After an ISR change of a partition being reassigned (`p` with its new `isr`): the fields that
 * complete the reassignment (to merge into the ISR change's record), or null while it goes on.
 */
export function completionOnIsrChange(image: MetadataImage, p: PartitionRegistration, isr: readonly number[]): Next | null {
  if (!isReassigning(p)) return null;
  const n = complete({ replicas: [...p.replicas], isr: [...isr], adding: [...(p.addingReplicas ?? [])], removing: [...(p.removingReplicas ?? [])], leader: LEADER_UNCHANGED }, p.leader, aliveSet(image));
  return n.adding.length === 0 && n.removing.length === 0 ? n : null;
}

/** The ISR-change record of alter-partition.ts, extended so it also completes a reassignment when due. */
export function withCompletion(image: MetadataImage, record: PartitionChangeRecord, p: PartitionRegistration): PartitionChangeRecord {
  const n = record.isr ? completionOnIsrChange(image, p, record.isr) : null;
  if (!n) return record;
  return toRecord(record.topicId, record.partitionId, p, n) ?? record;
}

export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: readonly number[];
  addingReplicas: readonly number[];
  removingReplicas: readonly number[];
}

/**
 * Reassignments in progress: of every topic (`asked` null), or of the named partitions (unknown
 * topics and partitions not being reassigned are left out, as Kafka answers), by topic name and index.
 */
export function ongoingReassignments(image: MetadataImage, asked: readonly { name: string; partitionIndexes: readonly number[] }[] | null): OngoingReassignment[] {
  const out: OngoingReassignment[] = [];
  const add = (name: string, index: number, p: PartitionRegistration | undefined) => {
    if (p && isReassigning(p)) out.push({ topic: name, partition: index, replicas: p.replicas, addingReplicas: p.addingReplicas ?? [], removingReplicas: p.removingReplicas ?? [] });
  };
  if (asked === null) {
    for (const t of [...image.topicsByName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) t.partitions.forEach((p, i) => add(t.name, i, p));
    return out;
  }
  for (const a of asked) {
    const t = image.topic(a.name);
    if (!t) continue;
    for (const i of a.partitionIndexes) add(t.name, i, t.partitions[i]);
  }
  return out;
}
