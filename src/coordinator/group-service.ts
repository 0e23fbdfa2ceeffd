/**
 * The broker's group service: the GroupCoordinator with the real clock (a tick every
 * GROUP_TICK_INTERVAL_MS, an offsets-retention sweep every offsetsRetentionCheckIntervalMs) and
 * __consumer_offsets persistence (offsets-log.ts). At start it loads every partition of
 * __consumer_offsets; the topic (compacted, offsetsTopicPartitions partitions) is created on first use; a commit
 * is answered only after its records are appended to the log.
 */
import type { PartitionManager } from "../cluster/partition-manager.ts";
import type { TopicRegistry } from "../cluster/topics.ts";
import type { Logger } from "../util/log.ts";
import { DEFAULT_GROUP_CONFIG, GROUP_TICK_INTERVAL_MS, OFFSETS_TOPIC, type GroupConfig } from "./group-config.ts";
import {
  GroupCoordinator,
  groupIdError,
  randomMemberId,
  type CommitRequest,
  type CommitResult,
  type GroupStore,
  type StoreResult,
} from "./group-coordinator.ts";
import { groupSubscriptions } from "./group-consumer-protocol.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { Group, GroupStateName, JoinRequest, JoinResult, SyncRequest, SyncResult } from "./group-state.ts";
import {
  appendOffsetsRecords,
  appendOffsetsTombstones,
  groupKey,
  groupValue,
  offsetKey,
  offsetValue,
  offsetsPartitionFor,
  readOffsetsPartition,
  type StoredGroup,
} from "./offsets-log.ts";
import type { OffsetEntry } from "./offsets-store.ts";

export interface GroupServiceDeps {
  topics: TopicRegistry;
  partitions: PartitionManager;
  log: Logger;
}

/** One group as ListGroups shows it. */
export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupStateName;
}

/** One group as DescribeGroups shows it (Kafka's shape: an unknown group is "Dead" with no members). */
export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: GroupStateName;
  protocolType: string;
  /** The chosen protocol (assignor); "" unless the group is Stable. */
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    /** Subscription and assignment, shown only for a Stable group (as Kafka). */
    memberMetadata: Uint8Array;
    memberAssignment: Uint8Array;
  }[];
}

/** Committed offsets of one group as OffsetFetch answers them; a partition without a commit has `entry` undefined. */
export interface GroupOffsets {
  errorCode: number;
  topics: { name: string; partitions: { partition: number; entry: OffsetEntry | undefined }[] }[];
}

/** Topics and partitions named in a request. */
export type TopicPartitions = { name: string; partitions: number[] }[];

const EMPTY = new Uint8Array(0);

/** Segment size of __consumer_offsets (Kafka's offsets.topic.segment.bytes default). */
const OFFSETS_TOPIC_SEGMENT_BYTES = 100 * 1024 * 1024;

/**
 * What the group handlers call, in the terms of the group protocol; the clock is the wall clock.
 * `coordinator` (the pure state machine and offsets) is exposed for tests and inspection only:
 * handlers go through the methods below.
 */
export class GroupService {
  readonly coordinator: GroupCoordinator;
  readonly config: GroupConfig;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(
    private readonly deps: GroupServiceDeps,
    config: Partial<GroupConfig> = {},
  ) {
    this.config = { ...DEFAULT_GROUP_CONFIG, ...config };
    this.coordinator = new GroupCoordinator(this.config, this.store(), randomMemberId, deps.log.child({ component: "group-coordinator" }));
  }

  /** Loads __consumer_offsets (when it exists) and starts the clock. */
  start(): void {
    this.load();
    this.tickTimer = setInterval(() => this.tick(), GROUP_TICK_INTERVAL_MS);
    this.sweepTimer = setInterval(() => this.expireOffsets(), this.config.offsetsRetentionCheckIntervalMs);
    (this.tickTimer as { unref?: () => void }).unref?.();
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.coordinator.shutdown();
  }

  tick(nowMs = Date.now()): void {
    try {
      this.coordinator.tick(nowMs);
    } catch (e) {
      this.deps.log.error("group coordinator tick failed", { error: e });
    }
  }

  expireOffsets(nowMs = Date.now()): number {
    const n = this.coordinator.expireOffsets(nowMs);
    if (n > 0) this.deps.log.info("expired committed offsets", { count: n });
    return n;
  }

  // ------------------------------------------------------------ the API of the group handlers

  /**
   * FindCoordinator for a group: makes sure __consumer_offsets exists (as Kafka, it is created on
   * first use) and names the group's partition of it. One node: this broker coordinates them all.
   */
  findCoordinator(groupId: string): { errorCode: number; partition: number } {
    this.ensureTopic();
    return { errorCode: ErrorCode.NONE, partition: this.partitionFor(groupId) };
  }

  /** JoinGroup: resolves when the group's join phase answers this member (at once or when the rebalance completes). */
  join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    return new Promise((resolve) => this.coordinator.join(groupId, req, Date.now(), resolve));
  }

  /** SyncGroup: resolves when the leader's assignment arrives (at once for the leader, or an error). */
  sync(groupId: string, req: SyncRequest): Promise<SyncResult> {
    return new Promise((resolve) => this.coordinator.sync(groupId, req, Date.now(), resolve));
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    return this.coordinator.heartbeat(groupId, memberId, groupInstanceId, generationId, Date.now());
  }

  /** LeaveGroup for one or more members (by member id, or by group.instance.id for static members). */
  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]): { groupError: number; memberErrors: number[] } {
    return this.coordinator.leave(groupId, members, Date.now());
  }

  /** OffsetCommit: answered after the offsets are in __consumer_offsets, or with the write's error. */
  commitOffsets(req: CommitRequest): CommitResult {
    return this.coordinator.commit(req, Date.now());
  }

  /** OffsetFetch for one group; null topics = every partition it has committed. */
  fetchOffsets(groupId: string, topics: TopicPartitions | null): GroupOffsets {
    const errorCode = groupIdError(groupId);
    if (errorCode !== ErrorCode.NONE) return { errorCode, topics: [] };
    return { errorCode, topics: this.coordinator.fetchOffsets(groupId, topics) };
  }

  /** OffsetDelete: refused for topics a member of the consumer group subscribes to. */
  deleteOffsets(groupId: string, topics: TopicPartitions): { groupError: number; topics: { name: string; partitions: { partition: number; errorCode: number }[] }[] } {
    return this.coordinator.deleteOffsets(groupId, topics, groupSubscriptions);
  }

  /** ListGroups: every live group. */
  listGroups(): GroupListing[] {
    const out: GroupListing[] = [];
    for (const g of this.coordinator.groups.values()) {
      if (g.state !== "Dead") out.push({ groupId: g.groupId, protocolType: g.protocolType ?? "", state: g.state });
    }
    return out;
  }

  /** DescribeGroups for one group. */
  describeGroup(groupId: string): GroupDescription {
    const errorCode = groupIdError(groupId);
    const g = this.coordinator.get(groupId);
    if (errorCode !== ErrorCode.NONE || !g) return { errorCode, groupId, groupState: "Dead", protocolType: "", protocolData: "", members: [] };
    const stable = g.state === "Stable";
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: g.state,
      protocolType: g.protocolType ?? "",
      protocolData: stable ? (g.protocolName ?? "") : "",
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? (m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? EMPTY) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** DeleteGroups for one group: only an Empty group goes, with its offsets. */
  deleteGroup(groupId: string): number {
    return this.coordinator.deleteGroup(groupId, Date.now());
  }

  // ------------------------------------------------------------ internals

  get partitionCount(): number {
    return this.deps.topics.get(OFFSETS_TOPIC)?.partitions ?? this.config.offsetsTopicPartitions;
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.partitionCount);
  }

  /**
   * Creates __consumer_offsets when missing. As in Kafka it is made on first use (FindCoordinator
   * for a group, or the first write), so a broker nobody uses for groups lists no internal topic.
   */
  ensureTopic(): void {
    if (this.deps.topics.get(OFFSETS_TOPIC)) return;
    this.deps.topics.create(OFFSETS_TOPIC, this.config.offsetsTopicPartitions, {
      "cleanup.policy": "compact",
      "segment.bytes": String(OFFSETS_TOPIC_SEGMENT_BYTES),
    });
    this.deps.log.info("created internal topic", { topic: OFFSETS_TOPIC, partitions: this.config.offsetsTopicPartitions });
  }

  /** Appends to the group's partition of __consumer_offsets (created on first use). */
  private append(groupId: string, records: { key: Uint8Array; value: Uint8Array | null }[], tombstones = false): StoreResult {
    this.ensureTopic();
    const p = this.deps.partitions.get(OFFSETS_TOPIC, this.partitionFor(groupId));
    // Not hosted here: this broker is not the group's coordinator (NOT_COORDINATOR for the client).
    if (!p) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: `${OFFSETS_TOPIC} partition for group ${groupId} is not hosted here` };
    return tombstones ? appendOffsetsTombstones(p, records, Date.now()) : appendOffsetsRecords(p, records, Date.now());
  }

  private store(): GroupStore {
    return {
      offsetsCommitted: (groupId, offsets) =>
        this.append(groupId, offsets.map((o) => ({ key: offsetKey(groupId, o.topic, o.partition), value: offsetValue(o.entry) }))),
      offsetsDeleted: (groupId, parts) => this.append(groupId, parts.map((p) => ({ key: offsetKey(groupId, p.topic, p.partition), value: null })), true),
      groupChanged: (g) => this.append(g.groupId, [{ key: groupKey(g.groupId), value: groupValue(storedGroup(g)) }]),
      groupDeleted: (groupId) => {
        const records = [{ key: groupKey(groupId), value: null as Uint8Array | null }];
        for (const [topic, parts] of this.coordinator.offsets.topicsOf(groupId)) {
          for (const partition of parts.keys()) records.push({ key: offsetKey(groupId, topic, partition), value: null });
        }
        return this.append(groupId, records, true);
      },
    };
  }

  /** Replays every partition of __consumer_offsets into the coordinator. */
  private load(): void {
    const started = performance.now();
    const groups = new Map<string, StoredGroup | null>();
    const offsets = new Map<string, { group: string; topic: string; partition: number; value: OffsetEntry | null }>();
    let records = 0;
    for (const partition of this.deps.partitions.partitionsOf(OFFSETS_TOPIC)) {
      if (!partition) continue;
      for (const rec of readOffsetsPartition(partition, (why) => this.deps.log.warn(`${OFFSETS_TOPIC}-${partition.index}: ${why}`))) {
        records++;
        if (rec.kind === "group") groups.set(rec.group, rec.value);
        else offsets.set(`${rec.group}\u0000${rec.topic}\u0000${rec.partition}`, rec);
      }
    }
    const c = this.coordinator;
    const now = Date.now();
    for (const o of offsets.values()) if (o.value) c.offsets.put(o.group, o.topic, o.partition, o.value);
    for (const [groupId, stored] of groups) {
      if (!stored) continue;
      const g = c.getOrCreate(groupId, now);
      g?.restore(stored, now);
    }
    for (const groupId of [...c.offsets.groups()]) c.getOrCreate(groupId, now);
    this.deps.log.info("loaded consumer groups", {
      topic: OFFSETS_TOPIC,
      records,
      groups: c.groups.size,
      ms: Math.round(performance.now() - started),
    });
  }
}

function storedGroup(g: Group): StoredGroup {
  return {
    protocolType: g.protocolType ?? "",
    generationId: g.generationId,
    protocolName: g.protocolName,
    leaderId: g.leaderId,
    currentStateTimestampMs: g.stateTimestampMs,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? new Uint8Array(0),
      assignment: m.assignment,
    })),
  };
}
