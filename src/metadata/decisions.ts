/**
 * What the active controller of a cluster decides, as pure functions of the current image: each
 * returns the records of one batch (or none when nothing changes). The Raft-backed controller
 * (cluster/metadata-quorum.ts) runs them on the leader's fully applied image and proposes the
 * result; the simulator runs the same functions.
 *
 * Placement: placement.ts over the usable (registered, unfenced) brokers — round-robin by id, so the
 * preferred leaders of a topic's partitions cycle over every broker; Kafka's rack-aware assignment
 * when the brokers registered racks.
 *
 * Fencing (a broker's session expired): each partition it leads gets the first other ISR member
 * that is unfenced as leader, and the broker leaves that ISR; a partition whose ISR has no other
 * live member keeps its ISR and becomes leaderless (-1), as Kafka does. Unfencing: leaderless
 * partitions whose ISR holds the broker get it as leader again.
 * Re-registration (a new incarnation of a known broker, i.e. a restart): the old incarnation is fenced
 * first in the same batch (its ISR places where other live members exist and its leaderships go), then
 * the new one is registered and takes the leaderless partitions whose ISR holds it (those where it was
 * the last live member). Kafka's controller does the same at a BrokerRegistration with a new
 * incarnation (the unclean-shutdown handling of KIP-966, without ELR); Kafka registers the new
 * incarnation fenced until its first heartbeat, Takhin unfenced.
 * Kafka records fencing with FenceBrokerRecord/UnfenceBrokerRecord; Takhin re-issues the broker's
 * RegisterBroker record (same incarnation and epoch) with the new fenced flag.
 */
import type { BrokerRegistration, MetadataImage, PartitionRegistration } from "./image.ts";
import { applyBatch, TOPIC_RESOURCE } from "./image.ts";
import { placeReplicas as place, PlacementError } from "./placement.ts";
import { LEADER_UNCHANGED, NO_LEADER, type Endpoint, type MetadataRecord, type PartitionChangeRecord, type RegisterBrokerRecord } from "./records.ts";

export class DecisionError extends Error {
  override name = "DecisionError";
  constructor(
    message: string,
    /** Kafka error name the request should be answered with. */
    readonly kafkaError: "INVALID_REPLICATION_FACTOR" | "UNKNOWN_TOPIC_OR_PARTITION" | "INVALID_PARTITIONS" | "TOPIC_ALREADY_EXISTS" | "INVALID_REQUEST",
  ) {
    super(message);
  }
}

/** Registered, unfenced brokers, by id. */
export function usableBrokers(image: MetadataImage): number[] {
  return [...image.brokers.values()]
    .filter((b) => !b.fenced)
    .map((b) => b.id)
    .sort((a, b) => a - b);
}

/** placement.ts's placement over the usable brokers of `image` (with their racks). */
export function placeReplicas(image: MetadataImage, firstIndex: number, count: number, replicationFactor: number): number[][] {
  try {
    return place(usableBrokers(image).map((id) => ({ id, rack: image.brokers.get(id)?.rack ?? null })), firstIndex, count, replicationFactor);
  } catch (e) {
    if (e instanceof PlacementError) throw new DecisionError(e.message, "INVALID_REPLICATION_FACTOR");
    throw e;
  }
}

export interface CreateTopicDecision {
  name: string;
  topicId: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  assignments?: number[][];
}

export function createTopicRecords(image: MetadataImage, d: CreateTopicDecision): MetadataRecord[] {
  if (image.topic(d.name)) throw new DecisionError(`Topic '${d.name}' already exists.`, "TOPIC_ALREADY_EXISTS");
  const lists = d.assignments ?? placeReplicas(image, 0, d.partitions, d.replicationFactor);
  const records: MetadataRecord[] = [{ type: "Topic", name: d.name, topicId: d.topicId }];
  for (const [name, value] of Object.entries(d.configs))
    records.push({
      type: "Config",
      resourceType: TOPIC_RESOURCE,
      resourceName: d.name,
      name,
      value,
    });
  lists.forEach((replicas, i) =>
    records.push({
      type: "Partition",
      partitionId: i,
      topicId: d.topicId,
      replicas,
      isr: [...replicas],
      leader: replicas[0]!,
      leaderEpoch: 0,
      partitionEpoch: 0,
    }),
  );
  return records;
}

export function createPartitionsRecords(image: MetadataImage, topicId: string, count: number, assignments?: number[][]): MetadataRecord[] {
  const t = image.topicsById.get(topicId);
  if (!t) throw new DecisionError(`no topic with id ${topicId}`, "UNKNOWN_TOPIC_OR_PARTITION");
  const from = t.partitions.length;
  if (count <= from) throw new DecisionError(`Topic currently has ${from} partitions, which is higher than the requested ${count}.`, "INVALID_PARTITIONS");
  const rf = t.partitions[0]?.replicas.length ?? 1;
  const lists = assignments ?? placeReplicas(image, from, count - from, rf);
  return lists.map((replicas, i) => ({
    type: "Partition",
    partitionId: from + i,
    topicId,
    replicas,
    isr: [...replicas],
    leader: replicas[0]!,
    leaderEpoch: 0,
    partitionEpoch: 0,
  }));
}

export function registerBrokerRecords(
  brokerId: number,
  incarnationId: string,
  brokerEpoch: bigint,
  endPoints: Endpoint[],
  rack: string | null,
  fenced: boolean,
): RegisterBrokerRecord[] {
  return [
    {
      type: "RegisterBroker",
      brokerId,
      incarnationId,
      brokerEpoch,
      endPoints,
      rack,
      fenced,
    },
  ];
}

function change(topicId: string, partitionId: number, leader: number, isr: number[] | null): PartitionChangeRecord {
  return {
    type: "PartitionChange",
    topicId,
    partitionId,
    leader,
    isr,
    replicas: null,
  };
}

function reissue(b: BrokerRegistration, fenced: boolean): RegisterBrokerRecord {
  return {
    type: "RegisterBroker",
    brokerId: b.id,
    incarnationId: b.incarnationId,
    brokerEpoch: b.epoch,
    endPoints: b.endPoints.map((e) => ({ ...e })),
    rack: b.rack,
    fenced,
  };
}

/** Fences `brokerId` and moves its leaderships (header). Empty when it is unknown or already fenced. */
export function fenceBrokerRecords(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const b = image.brokers.get(brokerId);
  if (!b || b.fenced) return [];
  const live = new Set(usableBrokers(image).filter((id) => id !== brokerId));
  const out: MetadataRecord[] = [reissue(b, true)];
  for (const t of image.topicsById.values()) {
    t.partitions.forEach((p: PartitionRegistration, i) => {
      if (!p.isr.includes(brokerId)) return;
      const rest = p.isr.filter((id) => id !== brokerId && live.has(id));
      if (rest.length === 0) {
        // The last live ISR member: the ISR stays (no unclean election), the partition has no leader.
        if (p.leader === brokerId) out.push(change(t.id, i, NO_LEADER, null));
        return;
      }
      const isr = p.isr.filter((id) => id !== brokerId);
      const leader = p.leader === brokerId ? rest[0]! : LEADER_UNCHANGED;
      out.push(change(t.id, i, leader, isr));
    });
  }
  return out;
}

/** Unfences `brokerId`; leaderless partitions whose ISR holds it get it as leader. */
export function unfenceBrokerRecords(image: MetadataImage, brokerId: number): MetadataRecord[] {
  const b = image.brokers.get(brokerId);
  if (!b || !b.fenced) return [];
  const out: MetadataRecord[] = [reissue(b, false)];
  for (const t of image.topicsById.values()) {
    t.partitions.forEach((p, i) => {
      if (p.leader === NO_LEADER && p.isr.includes(brokerId)) out.push(change(t.id, i, brokerId, null));
    });
  }
  return out;
}

/** Replaces a topic's whole override set: one ConfigRecord per set or removed key. */
export function topicConfigRecords(image: MetadataImage, name: string, next: Record<string, string>): MetadataRecord[] {
  const current = image.topicConfigs(name);
  const records: MetadataRecord[] = [];
  for (const key of Object.keys(current).sort())
    if (!(key in next))
      records.push({
        type: "Config",
        resourceType: TOPIC_RESOURCE,
        resourceName: name,
        name: key,
        value: null,
      });
  for (const key of Object.keys(next).sort())
    if (current[key] !== next[key])
      records.push({
        type: "Config",
        resourceType: TOPIC_RESOURCE,
        resourceName: name,
        name: key,
        value: next[key]!,
      });
  return records;
}

export function producerIdsRecords(image: MetadataImage, brokerId: number, blockSize: bigint): { records: MetadataRecord[]; start: bigint; end: bigint } {
  const start = image.nextProducerId;
  const end = start + blockSize;
  const epoch = image.brokers.get(brokerId)?.epoch ?? -1n;
  return {
    records: [
      {
        type: "ProducerIds",
        brokerId,
        brokerEpoch: epoch,
        nextProducerId: end,
      },
    ],
    start,
    end,
  };
}

/**
 * A (re-)registration of `brokerId` (a new incarnation at every start) as unfenced; leaderless
 * partitions whose ISR holds it get it as leader, as at unfencing.
 */
export function registerAndReelectRecords(image: MetadataImage, brokerId: number, incarnationId: string, brokerEpoch: bigint, endPoints: Endpoint[], rack: string | null): MetadataRecord[] {
  // A new incarnation of a registered broker: its previous one ended without a controlled shutdown
  // (which fences) or its session was not expired yet. It may have lost what it had not fsynced,
  // so it must not keep its ISR places or leaderships on the strength of the old registration:
  // the old incarnation is fenced first (header), as Kafka's controller does at a re-registration
  // (ClusterControlManager -> handleBrokerShutdown). It rejoins the ISRs by catching up.
  const prev = image.brokers.get(brokerId);
  const fence = prev && prev.incarnationId !== incarnationId ? fenceBrokerRecords(image, brokerId) : [];
  const after = fence.length > 0 ? applyBatch(image, image.offset, fence).image : image;
  const out: MetadataRecord[] = [...fence, ...registerBrokerRecords(brokerId, incarnationId, brokerEpoch, endPoints, rack, false)];
  for (const t of after.topicsById.values()) {
    t.partitions.forEach((p, i) => {
      if (p.leader === NO_LEADER && p.isr.includes(brokerId)) out.push(change(t.id, i, brokerId, null));
    });
  }
  return out;
}
