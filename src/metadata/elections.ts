/**
 * Leader elections on request (ElectLeaders, 43) and by the automatic preferred-leader rebalance,
 * as pure functions of the image. "Alive" means registered and unfenced.
 *
 *  PREFERRED: the preferred replica is the first of the assignment. Already leading: ELECTION_NOT_NEEDED;
 *             not in the ISR or not alive: PREFERRED_LEADER_NOT_AVAILABLE; else it becomes the leader
 *             (the ISR is unchanged).
 *  UNCLEAN:   a partition with an alive leader: ELECTION_NOT_NEEDED. Otherwise the first alive ISR
 *             member (a clean election), else the first alive replica outside the ISR, which becomes
 *             the whole ISR (records it did not have may be lost — what the operator asked for); no
 *             alive replica: ELIGIBLE_LEADERS_NOT_AVAILABLE.
 * Each election bumps the leader epoch (the image does so for every leader change).
 */
import type { MetadataImage, PartitionRegistration } from "./image.ts";
import { NO_LEADER } from "./records.ts";

export const ELECTION_PREFERRED = 0;
export const ELECTION_UNCLEAN = 1;

export type ElectionError = "ELECTION_NOT_NEEDED" | "PREFERRED_LEADER_NOT_AVAILABLE" | "ELIGIBLE_LEADERS_NOT_AVAILABLE";

export type ElectionOutcome = { readonly leader: number; readonly isr: readonly number[] | null } | { readonly error: ElectionError; readonly message: string };

export function aliveBrokers(image: MetadataImage): Set<number> {
  const out = new Set<number>();
  for (const b of image.brokers.values()) if (!b.fenced) out.add(b.id);
  return out;
}

/** What an election of `type` decides for one partition (`alive`: aliveBrokers(image)). */
export function electLeader(p: PartitionRegistration, type: number, alive: ReadonlySet<number>): ElectionOutcome {
  if (type === ELECTION_PREFERRED) {
    const preferred = p.replicas[0];
    if (preferred === undefined) return { error: "PREFERRED_LEADER_NOT_AVAILABLE", message: "the partition has no replicas" };
    if (p.leader === preferred) return { error: "ELECTION_NOT_NEEDED", message: `the preferred replica ${preferred} already leads` };
    if (!p.isr.includes(preferred)) return { error: "PREFERRED_LEADER_NOT_AVAILABLE", message: `the preferred replica ${preferred} is not in the ISR [${p.isr.join(",")}]` };
    if (!alive.has(preferred)) return { error: "PREFERRED_LEADER_NOT_AVAILABLE", message: `the preferred replica ${preferred} is not alive` };
    return { leader: preferred, isr: null };
  }
  if (p.leader !== NO_LEADER && alive.has(p.leader)) return { error: "ELECTION_NOT_NEEDED", message: `broker ${p.leader} leads and is alive` };
  const clean = p.replicas.find((r) => p.isr.includes(r) && alive.has(r));
  if (clean !== undefined) return { leader: clean, isr: null };
  const unclean = p.replicas.find((r) => alive.has(r));
  if (unclean !== undefined) return { leader: unclean, isr: [unclean] };
  return { error: "ELIGIBLE_LEADERS_NOT_AVAILABLE", message: `no replica of [${p.replicas.join(",")}] is alive` };
}

/**
 * The automatic rebalance (auto_leader_rebalance_enable): every partition whose preferred replica is
 * alive, in the ISR and not leading gets it back as leader. Returns the partitions to change.
 */
export function preferredElectionsDue(image: MetadataImage): { topicId: string; partition: number; leader: number }[] {
  const alive = aliveBrokers(image);
  const out: { topicId: string; partition: number; leader: number }[] = [];
  for (const t of image.topicsById.values()) {
    t.partitions.forEach((p, i) => {
      const o = electLeader(p, ELECTION_PREFERRED, alive);
      if ("leader" in o) out.push({ topicId: t.id, partition: i, leader: o.leader });
    });
  }
  return out;
}
