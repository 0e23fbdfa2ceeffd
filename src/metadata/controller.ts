/**
 * The controller: the one place that decides metadata changes. Each operation (create a topic,
 * delete one, add partitions, change a topic's configs, hand out a block of producer ids,
 * register a broker) reads the current image, decides the records (placement, leaders, epochs),
 * and commits them:
 *
 *   decide records -> replay them on the image (a record that does not fit is a bug: nothing is
 *   written) -> append them to the metadata log (durable) -> swap in the new image -> listeners
 *
 * On one node the controller is a quorum of one and `commit` appends to the local MetadataLog. The
 * Raft-backed controller replaces exactly that step (propose the batch, apply it when committed);
 * the deciding above it and the publishing below it stay as they are.
 *
 * Validation of client input with Kafka's error codes (names, counts, config values) happens in
 * cluster/topic-admin.ts before an operation is called; what this module checks is that the records
 * it produces are consistent.
 *
 * ## Node ids (Kafka vs Raft)
 * Kafka's node.id is >= 0 (default 0); the Raft core (src/raft) reserves 0 for "none" and wants ids
 * > 0. The mapping is fixed here, at the seam between the two: Raft id = Kafka node id + 1
 * (`raftIdOf` / `kafkaNodeIdOf`). Everything Kafka-facing — records, the image, the wire — uses
 * Kafka node ids; only the Raft transport and storage see Raft ids.
 */
import { DEFAULT_MAX_PARTITIONS, DEFAULT_MAX_TOPICS } from "../limits.ts";
import { randomUuidString } from "./uuid.ts";
import { placeReplicas } from "./placement.ts";
import { applyBatch, type MetadataChanges, type MetadataImage, type TopicImage } from "./image.ts";
import type { MetadataLog } from "./metadata-log.ts";
import { TOPIC_RESOURCE } from "./image.ts";
import { LEADER_UNCHANGED, type Endpoint, type MetadataRecord, type PartitionRecord } from "./records.ts";

/** Raft id of a Kafka node id (Raft reserves 0). */
export function raftIdOf(kafkaNodeId: number): number {
  if (!Number.isInteger(kafkaNodeId) || kafkaNodeId < 0) throw new RangeError(`Kafka node id must be an integer >= 0, got ${kafkaNodeId}`);
  return kafkaNodeId + 1;
}

/** Kafka node id of a Raft id. */
export function kafkaNodeIdOf(raftId: number): number {
  if (!Number.isInteger(raftId) || raftId < 1) throw new RangeError(`Raft id must be an integer >= 1, got ${raftId}`);
  return raftId - 1;
}

/** Called after each committed batch, with the image before and after it. */
export type MetadataListener = (image: MetadataImage, changes: MetadataChanges, previous: MetadataImage) => void;

export interface TopicPlan {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** Manual replica assignment, one broker list per partition (overrides partitions/replicationFactor). */
  assignments?: number[][];
}

/** Caps on what clients may create (POLICY_VIOLATION past them); defaults from src/limits.ts. */
export interface MetadataLimits {
  maxTopics: number;
  maxPartitions: number;
}

export class LocalController {
  private current: MetadataImage;
  private readonly listeners: MetadataListener[] = [];
  /** Checked by topic administration before it asks for topics or partitions. */
  limits: MetadataLimits = { maxTopics: DEFAULT_MAX_TOPICS, maxPartitions: DEFAULT_MAX_PARTITIONS };

  constructor(
    /** This node's Kafka node id: the controller of the quorum of one. */
    readonly nodeId: number,
    private readonly log: MetadataLog,
    image: MetadataImage,
    /** Where failures that do not fail the current operation are reported. */
    private readonly onError: (message: string, error: unknown) => void = () => {},
  ) {
    this.current = image;
  }

  get image(): MetadataImage {
    return this.current;
  }

  /** Node id of the active controller: this node, a quorum of one (the cluster's controller overrides it). */
  get controllerId(): number {
    return this.nodeId;
  }

  listen(l: MetadataListener): void {
    this.listeners.push(l);
  }

  /** The seam: check, persist, apply, publish one batch. Returns what changed. */
  commit(records: readonly MetadataRecord[]): MetadataChanges {
    if (records.length === 0) throw new Error("empty metadata batch");
    const previous = this.current;
    const offset = previous.offset + 1;
    const { image, changes } = applyBatch(previous, offset, records);
    this.log.append(offset, records);
    this.current = image;
    for (const l of this.listeners) l(image, changes, previous);
    // The batch is durable and applied; a failed rewrite must not turn it into an error for the
    // caller. The old file stays valid (the rewrite renames over it), and the log refuses later
    // appends, so the next change fails loudly instead.
    if (this.log.wantsRewrite) {
      try {
        this.log.rewrite(image);
      } catch (e) {
        this.onError("metadata log rewrite failed; further metadata changes are refused", e);
      }
    }
    return changes;
  }

  /**
   * Takes an image committed elsewhere (the Raft-backed quorum, cluster/metadata-quorum.ts) and
   * tells the listeners, as `commit` does after its own append; nothing is written to this log.
   */
  adopt(image: MetadataImage, changes: MetadataChanges, previous: MetadataImage): void {
    this.current = image;
    for (const l of this.listeners) l(image, changes, previous);
  }

  /** Unfenced brokers able to host replicas, by id. */
  private usableBrokers(): number[] {
    const ids = [...this.current.brokers.values()].filter((b) => !b.fenced).map((b) => b.id);
    if (!ids.includes(this.nodeId)) ids.push(this.nodeId);
    return ids.sort((a, b) => a - b);
  }

  /**
   * Replica lists for `count` new partitions starting at `firstIndex` (placement.ts: round-robin over
   * the usable brokers, rack-aware when they have racks), the first replica the preferred leader.
   */
  private place(firstIndex: number, count: number, replicationFactor: number): number[][] {
    const brokers = this.usableBrokers();
    if (replicationFactor > brokers.length) throw new Error(`replication factor ${replicationFactor} exceeds the ${brokers.length} usable broker(s)`);
    // Rack-aware when the brokers registered racks (placement.ts).
    return placeReplicas(brokers.map((id) => ({ id, rack: this.current.brokers.get(id)?.rack ?? null })), firstIndex, count, replicationFactor);
  }

  private newPartition(topicId: string, partitionId: number, replicas: number[]): PartitionRecord {
    // A new partition: every replica in sync (all logs empty), the first replica leads at epoch 0.
    return { type: "Partition", partitionId, topicId, replicas, isr: [...replicas], leader: replicas[0], leaderEpoch: 0, partitionEpoch: 0 };
  }

  private freshTopicId(): string {
    // A collision of 128 random bits is not expected; the loop bounds it all the same.
    for (let i = 0; i < 10; i++) {
      const id = randomUuidString();
      if (!this.current.topicsById.has(id)) return id;
    }
    throw new Error("could not pick an unused topic id");
  }

  createTopic(plan: TopicPlan): TopicImage {
    const topicId = this.freshTopicId();
    const lists = plan.assignments ?? this.place(0, plan.partitions, plan.replicationFactor);
    const records: MetadataRecord[] = [{ type: "Topic", name: plan.name, topicId }];
    for (const [name, value] of Object.entries(plan.configs)) {
      records.push({ type: "Config", resourceType: TOPIC_RESOURCE, resourceName: plan.name, name, value });
    }
    lists.forEach((replicas, i) => records.push(this.newPartition(topicId, i, replicas)));
    this.commit(records);
    return this.current.topicsById.get(topicId)!;
  }

  deleteTopic(topicId: string): TopicImage {
    const t = this.current.topicsById.get(topicId);
    if (!t) throw new Error(`no topic with id ${topicId}`);
    this.commit([{ type: "RemoveTopic", topicId }]);
    return t;
  }

  /** Raises a topic's partition count to `count`; new partitions follow the first one's replication factor. */
  createPartitions(topicId: string, count: number, assignments?: number[][]): TopicImage {
    const t = this.current.topicsById.get(topicId);
    if (!t) throw new Error(`no topic with id ${topicId}`);
    const from = t.partitions.length;
    if (count <= from) throw new Error(`topic ${t.name} has ${from} partitions; cannot change to ${count}`);
    const rf = t.partitions[0]?.replicas.length ?? 1;
    const lists = assignments ?? this.place(from, count - from, rf);
    this.commit(lists.map((replicas, i) => this.newPartition(topicId, from + i, replicas)));
    return this.current.topicsById.get(topicId)!;
  }

  /**
   * Changes one partition's leader and/or ISR (a PartitionChangeRecord; a new leader bumps the
   * leader epoch, any change the partition epoch). `leader` NO_LEADER (-1) leaves it leaderless.
   */
  changePartition(topicId: string, partitionId: number, change: { leader?: number; isr?: number[] }): void {
    const t = this.current.topicsById.get(topicId);
    if (!t?.partitions[partitionId]) throw new Error(`no partition ${partitionId} of topic id ${topicId}`);
    this.commit([{ type: "PartitionChange", partitionId, topicId, isr: change.isr ?? null, leader: change.leader ?? LEADER_UNCHANGED, replicas: null }]);
  }

  /** Replaces a topic's whole override set: one ConfigRecord per set or removed key. */
  setTopicConfigs(name: string, next: Record<string, string>): void {
    const current = this.current.topicConfigs(name);
    const records: MetadataRecord[] = [];
    for (const key of Object.keys(current).sort()) {
      if (!(key in next)) records.push({ type: "Config", resourceType: TOPIC_RESOURCE, resourceName: name, name: key, value: null });
    }
    for (const key of Object.keys(next).sort()) {
      if (current[key] !== next[key]) records.push({ type: "Config", resourceType: TOPIC_RESOURCE, resourceName: name, name: key, value: next[key] });
    }
    if (records.length > 0) this.commit(records);
  }

  /** Hands `brokerId` the next `blockSize` producer ids: [start, end). Durable before it returns. */
  allocateProducerIds(brokerId: number, blockSize: bigint): { start: bigint; end: bigint } {
    const start = this.current.nextProducerId;
    const end = start + blockSize;
    const epoch = this.current.brokers.get(brokerId)?.epoch ?? -1n;
    this.commit([{ type: "ProducerIds", brokerId, brokerEpoch: epoch, nextProducerId: end }]);
    return { start, end };
  }

  /**
   * Registers this broker (at every start: a new incarnation). Its epoch is the offset of the
   * record's batch, as Kafka's controller assigns broker epochs.
   */
  registerBroker(endPoints: Endpoint[], rack: string | null): void {
    const brokerEpoch = BigInt(this.current.offset + 1);
    this.commit([{ type: "RegisterBroker", brokerId: this.nodeId, incarnationId: randomUuidString(), brokerEpoch, endPoints, rack, fenced: false }]);
  }

  close(): void {
    this.log.close();
  }
}
