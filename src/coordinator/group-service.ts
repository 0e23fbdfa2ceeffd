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
import { GroupCoordinator, type GroupStore } from "./group-coordinator.ts";
import type { Group } from "./group-state.ts";
import {
  appendOffsetsRecords,
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

/** Segment size of __consumer_offsets (Kafka's offsets.topic.segment.bytes default). */
const OFFSETS_TOPIC_SEGMENT_BYTES = 100 * 1024 * 1024;

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
    this.coordinator = new GroupCoordinator(this.config, this.store());
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

  private partitionOf(groupId: string) {
    this.ensureTopic();
    const p = this.deps.partitions.get(OFFSETS_TOPIC, this.partitionFor(groupId));
    if (!p) throw new Error(`${OFFSETS_TOPIC} partition for group ${groupId} is not hosted here`);
    return p;
  }

  private store(): GroupStore {
    return {
      offsetsCommitted: (groupId, offsets) => {
        appendOffsetsRecords(
          this.partitionOf(groupId),
          offsets.map((o) => ({ key: offsetKey(groupId, o.topic, o.partition), value: offsetValue(o.entry) })),
          Date.now(),
        );
      },
      offsetsDeleted: (groupId, parts) => {
        appendOffsetsRecords(this.partitionOf(groupId), parts.map((p) => ({ key: offsetKey(groupId, p.topic, p.partition), value: null })), Date.now());
      },
      groupChanged: (g) => {
        appendOffsetsRecords(this.partitionOf(g.groupId), [{ key: groupKey(g.groupId), value: groupValue(storedGroup(g)) }], Date.now());
      },
      groupDeleted: (groupId) => {
        const p = this.partitionOf(groupId);
        const records = [{ key: groupKey(groupId), value: null as Uint8Array | null }];
        for (const [topic, parts] of this.coordinator.offsets.topicsOf(groupId)) {
          for (const partition of parts.keys()) records.push({ key: offsetKey(groupId, topic, partition), value: null });
        }
        appendOffsetsRecords(p, records, Date.now());
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
