/**
 * The glue between GroupService (the broker's group service: clock, __consumer_offsets, cluster
 * ownership) and the KIP-848 consumer groups (coordinator.ts): the topics as the metadata image
 * shows them, records appended to the group's __consumer_offsets partition, and the rules between
 * the two group types of one coordinator, as Kafka 4.4 answers them (checked against the local Kafka):
 *
 * - ConsumerGroupHeartbeat on a classic group with members: GROUP_ID_NOT_FOUND "Group g is not a
 *   consumer group."; on an Empty classic group at epoch 0: the classic group is converted (its
 *   GroupMetadata record tombstoned, its committed offsets kept).
 * - JoinGroup on a consumer group with members: INCONSISTENT_GROUP_PROTOCOL. (Kafka 4.4 lets a
 *   classic member with protocol type "consumer" join a consumer group — KIP-848's online
 *   migration; Takhin does not, and refuses it with the error Kafka gives for another protocol
 *   type.) On an Empty consumer group: converted back to classic (its records tombstoned).
 * - Heartbeat / SyncGroup on a consumer group: UNKNOWN_MEMBER_ID (the classic path's answer for a
 *   group it does not have, as Kafka). LeaveGroup on a consumer group removes the members named
 *   (as Kafka does).
 * - OffsetCommit by a member of a consumer group: v9+ only (UNSUPPORTED_VERSION before), at the
 *   member's epoch (STALE_MEMBER_EPOCH otherwise, UNKNOWN_MEMBER_ID for a stranger); epoch -1 without
 *   a member id only while the group has no members. OffsetFetch v9 with a member id and epoch: the
 *   same check; without, no check.
 * - DescribeGroups (v0-5) describes a consumer group as Dead without members, ListGroups shows it
 *   with protocol type "consumer" and (v5) group type "consumer"; DeleteGroups refuses it while it
 *   has members (NON_EMPTY_GROUP).
 */
import type { TopicRegistry } from "../../cluster/topics.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import type { Logger } from "../../util/log.ts";
import type { GroupCoordinator, StoreResult } from "../group-coordinator.ts";
import { coordinatorErrorFor } from "../group-coordinator.ts";
import { MAX_GROUPS } from "../group-config.ts";
import type { ConsumerGroupConfig } from "./config.ts";
import { ConsumerGroupCoordinator, type DescribedConsumerGroup, type HeartbeatRequest } from "./coordinator.ts";
import type { HeartbeatResult, TopicsView } from "./group.ts";
import { encodeConsumerGroupRecord, type ConsumerGroupRecord } from "./records.ts";

export type AppendRecords = (groupId: string, records: { key: Uint8Array; value: Uint8Array | null }[]) => StoreResult;

export interface ConsumerGroupServiceDeps {
  topics: TopicRegistry;
  classic: GroupCoordinator;
  append: AppendRecords;
  /** The tombstone of a classic group's GroupMetadata record (its conversion). */
  classicGroupKey: (groupId: string) => Uint8Array;
  log: Logger;
  /** The group's own settings (the GROUP config resource); absent: none. */
  groupOverrides?: (groupId: string) => { sessionTimeoutMs?: number; heartbeatIntervalMs?: number };
}

export interface ConsumerGroupListing {
  groupId: string;
  protocolType: string;
  state: string;
}

function topicsView(topics: TopicRegistry): TopicsView {
  return {
    byName: (name) => {
      const t = topics.get(name);
      return t ? { id: t.id, name: t.name, partitions: t.partitions } : undefined;
    },
    byId: (id) => {
      const t = topics.getById(id);
      return t ? { id: t.id, name: t.name, partitions: t.partitions } : undefined;
    },
    *all() {
      for (const t of topics.list()) if (!t.internal) yield { id: t.id, name: t.name, partitions: t.partitions };
    },
  };
}

export class ConsumerGroupService {
  readonly coordinator: ConsumerGroupCoordinator;

  constructor(
    private readonly deps: ConsumerGroupServiceDeps,
    config: Partial<ConsumerGroupConfig>,
  ) {
    const classic = deps.classic;
    this.coordinator = new ConsumerGroupCoordinator(
      config,
      { write: (groupId, records) => this.write(groupId, records) },
      () => topicsView(deps.topics),
      {
        classicGroup: (groupId) => {
          const g = classic.groups.get(groupId);
          if (!g) return "none";
          return g.state === "Empty" && g.members.size === 0 && g.pendingMembers.size === 0 ? "empty" : "active";
        },
        convertEmptyClassic: (groupId) => {
          const g = classic.groups.get(groupId);
          if (g && g.generationId > 0) {
            const r = deps.append(groupId, [{ key: deps.classicGroupKey(groupId), value: null }]);
            if (r.errorCode !== ErrorCode.NONE) return coordinatorErrorFor(r.errorCode);
          }
          classic.groups.delete(groupId);
          return ErrorCode.NONE;
        },
      },
      MAX_GROUPS,
      () => crypto.randomUUID(),
      deps.log.child({ component: "consumer-group-coordinator" }),
    );
    if (deps.groupOverrides) this.coordinator.groupOverrides = deps.groupOverrides;
    classic.activeElsewhere = (groupId) => (this.coordinator.get(groupId)?.members.size ?? 0) > 0;
    deps.topics.listen({
      created: () => this.coordinator.topicsChanged(Date.now()),
      deleted: () => this.coordinator.topicsChanged(Date.now()),
      partitionsAdded: () => this.coordinator.topicsChanged(Date.now()),
    });
  }

  private write(groupId: string, records: ConsumerGroupRecord[]): number {
    const r = this.deps.append(groupId, records.map(encodeConsumerGroupRecord));
    if (r.errorCode === ErrorCode.NONE) return ErrorCode.NONE;
    const answered = coordinatorErrorFor(r.errorCode);
    this.deps.log.error("storing consumer group records failed", { group: groupId, records: records.length, appendError: r.errorCode, message: r.errorMessage, answered });
    return answered;
  }

  has(groupId: string): boolean {
    return this.coordinator.get(groupId) !== undefined;
  }

  heartbeat(req: HeartbeatRequest): HeartbeatResult {
    return this.coordinator.heartbeat(req, Date.now());
  }

  describe(groupId: string): DescribedConsumerGroup {
    return this.coordinator.describe(groupId, this.deps.classic.groups.has(groupId));
  }

  tick(nowMs: number): void {
    this.coordinator.tick(nowMs);
  }

  /**
   * A classic JoinGroup for `groupId`: NONE when the classic path may go on (no consumer group, or
   * an Empty one, which is converted back to classic first), else the error to answer.
   */
  classicJoin(groupId: string): number {
    const g = this.coordinator.get(groupId);
    if (!g) return ErrorCode.NONE;
    if (g.members.size > 0) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    const err = this.coordinator.deleteGroup(groupId) ?? ErrorCode.NONE;
    if (err === ErrorCode.NONE) this.deps.log.info("converted the empty consumer group to a classic group", { group: groupId });
    return err;
  }

  /** A classic LeaveGroup on a consumer group: the members named leave (null: not a consumer group). */
  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]): { groupError: number; memberErrors: number[] } | null {
    if (!this.coordinator.get(groupId)) return null;
    const memberErrors = members.map((m) => {
      const g = this.coordinator.get(groupId);
      const memberId = m.groupInstanceId !== null && m.memberId === "" ? (g?.staticMember(m.groupInstanceId)?.memberId ?? "") : m.memberId;
      return this.coordinator.heartbeat(
        {
          groupId, memberId, memberEpoch: -1, instanceId: m.groupInstanceId, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null,
          subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, clientId: "", clientHost: "", version: 1,
        },
        Date.now(),
      ).errorCode;
    });
    return { groupError: ErrorCode.NONE, memberErrors };
  }

  /** OffsetCommit's check: null when not a consumer group (classic rules), else NONE or the error. */
  validateCommit(groupId: string, memberId: string, memberEpoch: number, version: number): number | null {
    return this.coordinator.validateCommit(groupId, memberId, memberEpoch, version);
  }

  ids(): string[] {
    return [...this.coordinator.groups.keys()];
  }

  validateFetch(groupId: string, memberId: string | null, memberEpoch: number): number | null {
    return this.coordinator.validateFetch(groupId, memberId, memberEpoch);
  }

  listings(): ConsumerGroupListing[] {
    return [...this.coordinator.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: "consumer", state: g.state }));
  }

  deleteGroup(groupId: string): number | null {
    return this.coordinator.deleteGroup(groupId);
  }

  subscribedTopics(groupId: string): Set<string> | null {
    return this.coordinator.subscribedTopics(groupId);
  }

  restore(records: ConsumerGroupRecord[], nowMs: number): number {
    return this.coordinator.restore(records, nowMs);
  }

  unload(which: (groupId: string) => boolean): number {
    return this.coordinator.unload(which);
  }
}
