/**
 * The broker's group service: the GroupCoordinator with the real clock (a tick every
 * GROUP_TICK_INTERVAL_MS, an offsets-retention sweep every offsetsRetentionCheckIntervalMs) and
 * __consumer_offsets persistence (offsets-log.ts). One node: at start it loads every partition of
 * __consumer_offsets; the topic (compacted, offsetsTopicPartitions partitions) is created on first use; a commit
 * is answered only after its records are appended to the log.
 *
 * A cluster (`deps.cluster`): this broker coordinates the groups of the __consumer_offsets partitions
 * it leads. The topic is created on the first FindCoordinator through the active controller (the
 * CreateTopics path) with min(offsetsTopicReplicationFactor, live brokers) replicas. When this broker
 * becomes leader of a partition its groups are loaded from the partition's log (replayed, as at a
 * one-node start); when it stops leading it they are dropped (waiting joins and syncs answered
 * NOT_COORDINATOR) — checked on every leadership change and every tick. Group requests for a group
 * whose partition is not loaded here answer NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS when this
 * broker leads it but has not loaded it yet). A commit, and a SyncGroup's assignment, is answered once the
 * partition's high watermark covers its records (replicated to the ISR), so it survives the loss of this broker.
 *
 * Transactional offsets (TxnOffsetCommit): first, as Kafka 4's group coordinator (KIP-890 part 1),
 * the transaction coordinator confirms the group's __consumer_offsets partition is in the producer's
 * ongoing transaction (its AddOffsetsToTxn) — through the same TxnProduceVerifier the produce path
 * uses (ReplicaManager.txnVerifier), skipped when the partition already holds this producer's
 * ongoing transaction or transaction_partition_verification_enable is false; then the offsets are
 * written as the producer's transactional batch and kept pending. The marker reaches the
 * coordinator through the partition: every __consumer_offsets partition this service loads has
 * its Partition.onTxnMarker set, which the partition calls synchronously, in log order, for every
 * COMMIT/ABORT control batch appended to it — whoever wrote it (the TxnMarkerWriter through the
 * replica manager, a WriteTxnMarkers request from another node's transaction coordinator) — so
 * the in-memory offsets follow the log exactly as a replay (load) of it does.
 */
import type { PartitionManager } from "../cluster/partition-manager.ts";
import type { AppendedTxnMarker, Partition } from "../cluster/partition.ts";
import type { TxnProduceVerifier } from "../cluster/txn-contract.ts";
import type { TopicRegistry } from "../cluster/topics.ts";
import type { Logger } from "../util/log.ts";
import { DEFAULT_GROUP_CONFIG, GROUP_TICK_INTERVAL_MS, OFFSETS_TOPIC, type GroupConfig } from "./group-config.ts";
import {
  GroupCoordinator,
  coordinatorErrorFor,
  groupIdError,
  randomMemberId,
  type CommitRequest,
  type CommitResult,
  type FetchedOffset,
  type TxnCommitRequest,
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
  type OffsetsLogEntry,
  type TxnProducer,
} from "./offsets-log.ts";
import { ConsumerGroupService } from "./consumer-group/service.ts";
import type { ConsumerGroupConfig } from "./consumer-group/config.ts";
import type { ConsumerGroupRecord } from "./consumer-group/records.ts";
import type { DescribedConsumerGroup, HeartbeatRequest as ConsumerHeartbeatRequest } from "./consumer-group/coordinator.ts";
import type { HeartbeatResult } from "./consumer-group/group.ts";

/** What a cluster gives the group service (broker.ts); absent on one node. */
export interface GroupServiceCluster {
  nodeId: number;
  /** Creates __consumer_offsets through the active controller; resolves with the CreateTopics error code. */
  createOffsetsTopic(partitions: number, replicationFactor: number, configs: Record<string, string>): Promise<number>;
  /** Registered, unfenced brokers now. */
  liveBrokerCount(): number;
}

export interface GroupServiceDeps {
  topics: TopicRegistry;
  partitions: PartitionManager;
  log: Logger;
  cluster?: GroupServiceCluster;
  /** The transaction coordinator's check of a TxnOffsetCommit's partition (ReplicaManager.txnVerifier); absent or null: none wired. */
  txnVerifier?: () => TxnProduceVerifier | null;
  /** A KIP-848 group's own settings (the GROUP config resource); absent: none. */
  groupOverrides?: (groupId: string) => { sessionTimeoutMs?: number; heartbeatIntervalMs?: number };
}

/** Where a group's coordinator is: the leader of its __consumer_offsets partition (-1 with an error). */
export interface CoordinatorAnswer {
  errorCode: number;
  errorMessage: string | null;
  partition: number;
  nodeId: number;
}

/** The OffsetCommit version whose member rules a TxnOffsetCommit to a KIP-848 group gets (v9: no version refusal). */
const TXN_COMMIT_MEMBER_CHECK_VERSION = 9;

/** How long a commit waits for its records to reach the ISR before answering COORDINATOR_NOT_AVAILABLE. */
export const OFFSET_COMMIT_REPLICATION_TIMEOUT_MS = 5000;
/** How often a waiting commit looks at the high watermark. */
const HIGH_WATERMARK_POLL_MS = 5;

/** One group as ListGroups shows it. */
export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupStateName | string;
  /** "classic", or "consumer" for a KIP-848 consumer group. */
  groupType: "classic" | "consumer";
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
  topics: { name: string; partitions: FetchedOffset[] }[];
}

/**
 * The TxnOffsetCommit error for the transaction coordinator's verdict (Kafka: the verification's
 * retriable errors come back as NOT_ENOUGH_REPLICAS, which the group coordinator answers
 * COORDINATOR_NOT_AVAILABLE; NETWORK_EXCEPTION becomes COORDINATOR_LOAD_IN_PROGRESS so clients retry
 * without a lookup; TRANSACTION_ABORTABLE exists from v4 on, INVALID_TXN_STATE before).
 */
export function txnVerificationError(code: number, apiVersion: number): number {
  switch (code) {
    case ErrorCode.NETWORK_EXCEPTION:
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return apiVersion >= 4 ? code : ErrorCode.INVALID_TXN_STATE;
    default:
      return code;
  }
}

/** Topics and partitions named in a request. */
export type TopicPartitions = { name: string; partitions: number[] }[];

const EMPTY = new Uint8Array(0);

/** Segment size of __consumer_offsets (Kafka's offsets.topic.segment.bytes default). */
const OFFSETS_TOPIC_SEGMENT_BYTES = 100 * 1024 * 1024;

const OFFSETS_TOPIC_CONFIGS: Record<string, string> = { "cleanup.policy": "compact", "segment.bytes": String(OFFSETS_TOPIC_SEGMENT_BYTES), "compression.type": "producer" };

/**
 * What the group handlers call, in the terms of the group protocol; the clock is the wall clock.
 * `coordinator` (the pure state machine and offsets) is exposed for tests and inspection only:
 * handlers go through the methods below.
 */
export class GroupService {
  readonly coordinator: GroupCoordinator;
  /** KIP-848 consumer groups (group.protocol=consumer): consumer-group/, sharing this service's offsets and log. */
  readonly consumerGroups: ConsumerGroupService;
  readonly config: GroupConfig;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  /** A cluster: the __consumer_offsets partitions whose groups are loaded here (this broker leads them). */
  private readonly loaded = new Set<number>();
  private creating: Promise<void> | null = null;

  constructor(
    private readonly deps: GroupServiceDeps,
    config: Partial<GroupConfig> = {},
    consumerGroupConfig: Partial<ConsumerGroupConfig> = {},
  ) {
    this.config = { ...DEFAULT_GROUP_CONFIG, ...config };
    this.coordinator = new GroupCoordinator(this.config, this.store(), randomMemberId, deps.log.child({ component: "group-coordinator" }));
    this.consumerGroups = new ConsumerGroupService(
      { topics: deps.topics, classic: this.coordinator, append: (groupId, records) => this.append(groupId, records), classicGroupKey: groupKey, log: deps.log, groupOverrides: deps.groupOverrides },
      { maxSize: this.config.maxMembersPerGroup, ...consumerGroupConfig },
    );
  }

  /** Loads __consumer_offsets (when it exists) and starts the clock. */
  start(): void {
    if (this.deps.cluster) {
      this.deps.partitions.addListener({
        partitionsRemoved: () => queueMicrotask(() => this.reconcile()),
        leadershipChanged: (p) => {
          if (p.topic.name === OFFSETS_TOPIC) queueMicrotask(() => this.reconcile());
        },
      });
      this.reconcile();
    } else {
      this.load();
    }
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
      this.reconcile();
      this.coordinator.tick(nowMs);
      this.consumerGroups.tick(nowMs);
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
  findCoordinator(groupId: string): CoordinatorAnswer | Promise<CoordinatorAnswer> {
    if (this.deps.cluster) return this.findClusterCoordinator(groupId, this.deps.cluster);
    this.ensureTopic();
    return { errorCode: ErrorCode.NONE, errorMessage: null, partition: this.partitionFor(groupId), nodeId: -1 };
  }

  private async findClusterCoordinator(groupId: string, cluster: GroupServiceCluster): Promise<CoordinatorAnswer> {
    const unavailable = (errorMessage: string): CoordinatorAnswer => ({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage, partition: -1, nodeId: -1 });
    if (!this.deps.topics.get(OFFSETS_TOPIC)) {
      const why = await this.createInCluster(cluster);
      if (!this.deps.topics.get(OFFSETS_TOPIC)) return unavailable(why ?? `${OFFSETS_TOPIC} is being created`);
    }
    const partition = this.partitionFor(groupId);
    const leader = this.deps.topics.partition(OFFSETS_TOPIC, partition)?.leader ?? -1;
    if (leader < 0) return unavailable(`${OFFSETS_TOPIC}-${partition} has no leader`);
    if (leader === cluster.nodeId) {
      this.reconcile();
      if (!this.loaded.has(partition)) return unavailable(`${OFFSETS_TOPIC}-${partition} is loading`);
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, partition, nodeId: leader };
  }

  /** One creation at a time; resolves with why it failed (null: created, or created by someone else). */
  private async createInCluster(cluster: GroupServiceCluster): Promise<string | null> {
    let why: string | null = null;
    this.creating ??= (async () => {
      const rf = Math.max(1, Math.min(this.config.offsetsTopicReplicationFactor, cluster.liveBrokerCount()));
      try {
        const code = await cluster.createOffsetsTopic(this.config.offsetsTopicPartitions, rf, OFFSETS_TOPIC_CONFIGS);
        if (code === ErrorCode.NONE) this.deps.log.info("created internal topic", { topic: OFFSETS_TOPIC, partitions: this.config.offsetsTopicPartitions, replicationFactor: rf });
        else if (code !== ErrorCode.TOPIC_ALREADY_EXISTS) why = `creating ${OFFSETS_TOPIC} failed with error ${code}`;
      } catch (e) {
        why = `creating ${OFFSETS_TOPIC} failed: ${(e as Error).message}`;
      }
      if (why) this.deps.log.info("internal topic not created", { topic: OFFSETS_TOPIC, reason: why });
    })().finally(() => (this.creating = null));
    await this.creating;
    return why;
  }

  /**
   * A cluster: NONE when this broker coordinates the group now, else NOT_COORDINATOR (or
   * COORDINATOR_LOAD_IN_PROGRESS while it leads the partition but has not loaded it). One node: NONE.
   * An invalid group id passes here so the request answers INVALID_GROUP_ID as before.
   */
  coordinatorError(groupId: string): number {
    const cluster = this.deps.cluster;
    if (!cluster || groupIdError(groupId) !== ErrorCode.NONE) return ErrorCode.NONE;
    if (!this.deps.topics.get(OFFSETS_TOPIC)) return ErrorCode.NOT_COORDINATOR;
    const p = this.partitionFor(groupId);
    if (this.loaded.has(p)) return ErrorCode.NONE;
    return this.leads(p, cluster) ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NOT_COORDINATOR;
  }

  private leads(p: number, cluster: GroupServiceCluster): boolean {
    return this.deps.topics.partition(OFFSETS_TOPIC, p)?.leader === cluster.nodeId && this.deps.partitions.hosted(OFFSETS_TOPIC, p) !== undefined;
  }

  /** A cluster: loads the groups of offsets partitions this broker leads now, drops those of partitions it no longer leads. */
  private reconcile(): void {
    const cluster = this.deps.cluster;
    if (!cluster || this.closed) return;
    const count = this.deps.topics.get(OFFSETS_TOPIC)?.partitions ?? 0;
    for (const p of [...this.loaded]) {
      if (p < count && this.leads(p, cluster)) continue;
      this.loaded.delete(p);
      const n = this.coordinator.unload((groupId) => this.partitionFor(groupId) === p) + this.consumerGroups.unload((groupId) => this.partitionFor(groupId) === p);
      this.deps.log.info("unloaded consumer groups", { topic: OFFSETS_TOPIC, partition: p, groups: n });
    }
    for (let p = 0; p < count; p++) {
      if (this.loaded.has(p) || !this.leads(p, cluster)) continue;
      this.load([this.deps.partitions.hosted(OFFSETS_TOPIC, p)!]);
      this.loaded.add(p);
    }
  }

  /** JoinGroup: resolves when the group's join phase answers this member (at once or when the rebalance completes). */
  join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    const refused = this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) {
      return Promise.resolve({ errorCode: refused, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId: req.memberId, members: [], skipAssignment: false });
    }
    const otherType = this.consumerGroups.classicJoin(groupId);
    if (otherType !== ErrorCode.NONE) {
      return Promise.resolve({ errorCode: otherType, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId: req.memberId, members: [], skipAssignment: false });
    }
    return new Promise((resolve) => this.coordinator.join(groupId, req, Date.now(), resolve));
  }

  /** SyncGroup: resolves when the leader's assignment arrives (at once for the leader, or an error). */
  sync(groupId: string, req: SyncRequest): Promise<SyncResult> {
    const refused = this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) return Promise.resolve({ errorCode: refused, protocolType: null, protocolName: null, assignment: EMPTY });
    const answer = new Promise<SyncResult>((resolve) => this.coordinator.sync(groupId, req, Date.now(), resolve));
    if (!this.deps.cluster) return answer;
    // As Kafka, the assignment is answered once the group's metadata record (written when the leader's
    // assignment arrived) is replicated, so a new coordinator knows the generation its members hold.
    return answer.then(async (r) => {
      if (r.errorCode !== ErrorCode.NONE) return r;
      const error = await this.untilReplicated(groupId);
      return error === ErrorCode.NONE ? r : { errorCode: error, protocolType: null, protocolName: null, assignment: EMPTY };
    });
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const refused = this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) return refused;
    return this.coordinator.heartbeat(groupId, memberId, groupInstanceId, generationId, Date.now());
  }

  /** LeaveGroup for one or more members (by member id, or by group.instance.id for static members). */
  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]): { groupError: number; memberErrors: number[] } {
    const refused = this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) return { groupError: refused, memberErrors: members.map(() => refused) };
    return this.consumerGroups.leave(groupId, members) ?? this.coordinator.leave(groupId, members, Date.now());
  }

  /**
   * ConsumerGroupHeartbeat (KIP-848): answered once the records it wrote are in __consumer_offsets
   * (in a cluster: replicated to the ISR, as a commit).
   */
  consumerGroupHeartbeat(req: ConsumerHeartbeatRequest): HeartbeatResult | Promise<HeartbeatResult> {
    const fail = (errorCode: number): HeartbeatResult => ({ errorCode, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null });
    if (req.groupId === "") return this.consumerGroups.heartbeat(req);
    const refused = this.coordinatorError(req.groupId);
    if (refused !== ErrorCode.NONE) return fail(refused);
    const r = this.consumerGroups.heartbeat(req);
    if (!this.deps.cluster || r.errorCode !== ErrorCode.NONE) return r;
    return this.untilReplicated(req.groupId).then((error) => (error === ErrorCode.NONE ? r : fail(error)));
  }

  /** ConsumerGroupDescribe for one group. */
  consumerGroupDescribe(groupId: string): DescribedConsumerGroup {
    const refused = groupId === "" ? ErrorCode.NONE : this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, errorMessage: null, groupId, groupState: "", groupEpoch: 0, assignmentEpoch: 0, assignorName: "", members: [] };
    return this.consumerGroups.describe(groupId);
  }

  /** OffsetCommit: answered after the offsets are in __consumer_offsets, or with the write's error. */
  commitOffsets(req: CommitRequest, apiVersion = 9): CommitResult | Promise<CommitResult> {
    const refused = this.coordinatorError(req.groupId);
    if (refused !== ErrorCode.NONE) return req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: refused })) }));
    const result = this.consumerGroups.has(req.groupId) ? this.commitToConsumerGroup(req, apiVersion) : this.coordinator.commit(req, Date.now());
    if (!this.deps.cluster || !result.some((t) => t.partitions.some((p) => p.errorCode === ErrorCode.NONE))) return result;
    return this.replicated(req.groupId, result);
  }

  /**
   * A cluster: the commit's answer once the group's offsets partition's high watermark covers its
   * log end (the records reached the ISR), or COORDINATOR_NOT_AVAILABLE after
   * OFFSET_COMMIT_REPLICATION_TIMEOUT_MS / NOT_COORDINATOR when the leadership moved meanwhile.
   * The offsets are already in this broker's memory (Kafka keeps them pending until the append
   * completes); a new coordinator knows only what reached its log.
   */
  private async replicated(groupId: string, result: CommitResult): Promise<CommitResult> {
    const error = await this.untilReplicated(groupId);
    if (error === ErrorCode.NONE) return result;
    return result.map((t) => ({ name: t.name, partitions: t.partitions.map((x) => ({ partition: x.partition, errorCode: x.errorCode === ErrorCode.NONE ? error : x.errorCode })) }));
  }

  /**
   * A cluster: waits until the group's offsets partition's high watermark covers its log end as it
   * is now (what this coordinator wrote for the group is on the ISR). NONE, or NOT_COORDINATOR when
   * the leadership moved meanwhile, COORDINATOR_NOT_AVAILABLE after OFFSET_COMMIT_REPLICATION_TIMEOUT_MS.
   */
  private async untilReplicated(groupId: string): Promise<number> {
    const p = this.partitionFor(groupId);
    const partition = this.deps.partitions.hosted(OFFSETS_TOPIC, p);
    const target = partition?.logEndOffset ?? 0;
    const deadline = performance.now() + OFFSET_COMMIT_REPLICATION_TIMEOUT_MS;
    let error: number = ErrorCode.NONE;
    for (;;) {
      if (!partition || !this.loaded.has(p) || this.closed) {
        error = ErrorCode.NOT_COORDINATOR;
        break;
      }
      if (partition.highWatermark >= target) break;
      if (performance.now() > deadline) {
        error = ErrorCode.COORDINATOR_NOT_AVAILABLE;
        break;
      }
      await Bun.sleep(HIGH_WATERMARK_POLL_MS);
    }
    return error;
  }

  /**
   * TxnOffsetCommit: the transaction coordinator's verification, then the transactional batch;
   * answered once it is appended (in a cluster: replicated). The offsets stay pending until the
   * producer's marker.
   */
  async commitTransactionalOffsets(req: TxnCommitRequest, apiVersion: number): Promise<CommitResult> {
    const every = (errorCode: number): CommitResult => req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) }));
    const refused = this.coordinatorError(req.groupId);
    if (refused !== ErrorCode.NONE) return every(refused);
    if (groupIdError(req.groupId) === ErrorCode.NONE && req.topics.some((t) => t.partitions.length > 0)) {
      const verdict = await this.verifyTxnPartition(req, apiVersion);
      if (verdict !== ErrorCode.NONE) return every(verdict);
      // The leadership may have moved while the transaction coordinator answered.
      const moved = this.coordinatorError(req.groupId);
      if (moved !== ErrorCode.NONE) return every(moved);
    }
    const result = this.consumerGroups.has(req.groupId) ? this.txnCommitToConsumerGroup(req) : this.coordinator.commitTransactional(req, Date.now());
    if (!this.deps.cluster || !result.some((t) => t.partitions.some((p) => p.errorCode === ErrorCode.NONE))) return result;
    return this.replicated(req.groupId, result);
  }

  /** KIP-890: NONE when the group's offsets partition is in the producer's ongoing transaction (or verification is off). */
  private async verifyTxnPartition(req: TxnCommitRequest, apiVersion: number): Promise<number> {
    if (!this.config.transactionPartitionVerificationEnable) return ErrorCode.NONE;
    const index = this.partitionFor(req.groupId);
    // Verified with this transaction's first write here (Kafka keeps the same state in the partition's producer state).
    if (this.deps.partitions.hosted(OFFSETS_TOPIC, index)?.producers.hasOngoingTxn(req.producerId, req.producerEpoch)) return ErrorCode.NONE;
    const verifier = this.deps.txnVerifier?.() ?? null;
    if (verifier === null) return ErrorCode.INVALID_TXN_STATE; // no transaction coordinator: as the produce path answers
    let code: number;
    try {
      code = await verifier.verifyPartition(req.transactionalId, req.producerId, req.producerEpoch, { topic: OFFSETS_TOPIC, partition: index });
    } catch (error) {
      this.deps.log.warn("transaction verification failed", { group: req.groupId, transactionalId: req.transactionalId, error });
      code = ErrorCode.NETWORK_EXCEPTION;
    }
    return txnVerificationError(code, apiVersion);
  }

  /**
   * TxnOffsetCommit for a KIP-848 consumer group (Kafka's ConsumerGroup.validateOffsetCommit with
   * isTransactional): member epoch -1 without a member id in a group without members is accepted;
   * else the member must exist (UNKNOWN_MEMBER_ID) at its epoch — a stale epoch is ILLEGAL_GENERATION
   * for TxnOffsetCommit, and no API version is required. The offsets are then pending as for a classic
   * group (the placeholder classic group the commit creates is dropped again at once).
   */
  private txnCommitToConsumerGroup(req: TxnCommitRequest): CommitResult {
    let err = this.consumerGroups.validateCommit(req.groupId, req.memberId, req.generationId, TXN_COMMIT_MEMBER_CHECK_VERSION) ?? ErrorCode.NONE;
    if (err === ErrorCode.STALE_MEMBER_EPOCH) err = ErrorCode.ILLEGAL_GENERATION;
    if (err !== ErrorCode.NONE) return req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: err })) }));
    const result = this.coordinator.commitTransactional({ ...req, memberId: "", groupInstanceId: null, generationId: -1 }, Date.now());
    this.coordinator.groups.delete(req.groupId);
    return result;
  }

  /**
   * OffsetCommit for a KIP-848 consumer group: the member and its epoch are checked here
   * (consumer-group/service.ts), then the offsets are stored by the classic path as a commit of a
   * group without members, whose placeholder classic group is dropped again at once.
   */
  private commitToConsumerGroup(req: CommitRequest, apiVersion: number): CommitResult {
    const err = this.consumerGroups.validateCommit(req.groupId, req.memberId, req.generationId, apiVersion) ?? ErrorCode.NONE;
    if (err !== ErrorCode.NONE) return req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: err })) }));
    const result = this.coordinator.commit({ ...req, memberId: "", groupInstanceId: null, generationId: -1 }, Date.now());
    this.coordinator.groups.delete(req.groupId);
    return result;
  }

  /**
   * OffsetFetch for one group; null topics = every partition it has committed; requireStable: pending
   * transactional commits answer UNSTABLE_OFFSET_COMMIT. v9 carries the member (checked for a consumer group).
   */
  fetchOffsets(groupId: string, topics: TopicPartitions | null, requireStable = false, member: { memberId: string | null; memberEpoch: number } = { memberId: null, memberEpoch: -1 }): GroupOffsets {
    const errorCode = groupIdError(groupId);
    if (errorCode !== ErrorCode.NONE) return { errorCode, topics: [] };
    const refused = this.coordinatorError(groupId) || (this.consumerGroups.validateFetch(groupId, member.memberId, member.memberEpoch) ?? ErrorCode.NONE);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, topics: [] };
    return { errorCode, topics: this.coordinator.fetchOffsets(groupId, topics, requireStable) };
  }

  /** OffsetDelete: refused for topics a member of the consumer group subscribes to. */
  deleteOffsets(groupId: string, topics: TopicPartitions): { groupError: number; topics: { name: string; partitions: { partition: number; errorCode: number }[] }[] } {
    const refused = this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) return { groupError: refused, topics: [] };
    const subscribed = this.consumerGroups.subscribedTopics(groupId);
    if (subscribed) return this.deleteConsumerGroupOffsets(groupId, topics, subscribed);
    return this.coordinator.deleteOffsets(groupId, topics, groupSubscriptions);
  }

  /** OffsetDelete on a consumer group: GROUP_SUBSCRIBED_TO_TOPIC for a topic a member subscribes to; the others tombstoned. */
  private deleteConsumerGroupOffsets(groupId: string, topics: TopicPartitions, subscribed: Set<string>): { groupError: number; topics: { name: string; partitions: { partition: number; errorCode: number }[] }[] } {
    const removed: { topic: string; partition: number }[] = [];
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (subscribed.has(t.name)) return { partition: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (this.coordinator.offsets.get(groupId, t.name, p)) removed.push({ topic: t.name, partition: p });
        return { partition: p, errorCode: ErrorCode.NONE };
      }),
    }));
    if (removed.length > 0) {
      const r = this.append(groupId, removed.map((x) => ({ key: offsetKey(groupId, x.topic, x.partition), value: null })), true);
      if (r.errorCode !== ErrorCode.NONE) return { groupError: coordinatorErrorFor(r.errorCode), topics: [] };
      for (const x of removed) this.coordinator.offsets.delete(groupId, x.topic, x.partition);
    }
    return { groupError: ErrorCode.NONE, topics: out };
  }

  /** ListGroups: every live group. */
  listGroups(): GroupListing[] {
    const out: GroupListing[] = [];
    for (const g of this.coordinator.groups.values()) {
      if (g.state !== "Dead") out.push({ groupId: g.groupId, protocolType: g.protocolType ?? "", state: g.state, groupType: "classic" });
    }
    for (const g of this.consumerGroups.listings()) out.push({ ...g, groupType: "consumer" });
    return out;
  }

  /** DescribeGroups for one group. */
  describeGroup(groupId: string): GroupDescription {
    const errorCode = groupIdError(groupId);
    const refused = this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, groupId, groupState: "Dead", protocolType: "", protocolData: "", members: [] };
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
    const refused = this.coordinatorError(groupId);
    if (refused !== ErrorCode.NONE) return refused;
    if (this.consumerGroups.has(groupId)) return this.deleteConsumerGroup(groupId);
    return this.coordinator.deleteGroup(groupId, Date.now());
  }

  /** DeleteGroups of an Empty consumer group: its records and its committed offsets are tombstoned. */
  private deleteConsumerGroup(groupId: string): number {
    const parts: { topic: string; partition: number }[] = [];
    for (const [topic, ps] of this.coordinator.offsets.topicsOf(groupId)) for (const partition of ps.keys()) parts.push({ topic, partition });
    const err = this.consumerGroups.deleteGroup(groupId) ?? ErrorCode.GROUP_ID_NOT_FOUND;
    if (err !== ErrorCode.NONE || parts.length === 0) return err;
    const r = this.append(groupId, parts.map((p) => ({ key: offsetKey(groupId, p.topic, p.partition), value: null })), true);
    if (r.errorCode !== ErrorCode.NONE) return coordinatorErrorFor(r.errorCode);
    this.coordinator.offsets.deleteGroup(groupId);
    return ErrorCode.NONE;
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
    // A cluster creates it through the controller (findCoordinator); a write before that finds no partition.
    if (this.deps.topics.get(OFFSETS_TOPIC) || this.deps.cluster) return;
    this.deps.topics.create(OFFSETS_TOPIC, this.config.offsetsTopicPartitions, { ...OFFSETS_TOPIC_CONFIGS });
    this.deps.log.info("created internal topic", { topic: OFFSETS_TOPIC, partitions: this.config.offsetsTopicPartitions });
    for (const p of this.deps.partitions.partitionsOf(OFFSETS_TOPIC)) if (p) this.watchMarkers(p);
  }

  /** Transaction markers appended to this offsets partition complete pending transactional offsets (see the file comment). */
  private watchMarkers(partition: Partition): void {
    partition.onTxnMarker = (m) => this.markerAppended(partition, m);
  }

  private markerAppended(partition: Partition, m: AppendedTxnMarker): void {
    // A follower's copy (or a partition this broker no longer leads) is replayed when it is loaded.
    if (this.closed || (this.deps.cluster && !this.loaded.has(partition.index))) return;
    try {
      const n = this.coordinator.completeTxn(m.producerId, m.commit, (groupId) => this.partitionFor(groupId) === partition.index);
      if (n > 0) this.deps.log.debug("transactional offsets completed", { partition: partition.index, producerId: m.producerId, commit: m.commit, offsets: n });
    } catch (error) {
      this.deps.log.error("completing transactional offsets failed", { partition: partition.index, producerId: m.producerId, error });
    }
  }

  /** Appends to the group's partition of __consumer_offsets (created on first use); `txn`: as the producer's transactional batch. */
  private append(groupId: string, records: { key: Uint8Array; value: Uint8Array | null }[], tombstones = false, txn: TxnProducer | null = null): StoreResult {
    this.ensureTopic();
    const p = this.deps.partitions.get(OFFSETS_TOPIC, this.partitionFor(groupId));
    // Not hosted here: this broker is not the group's coordinator (NOT_COORDINATOR for the client).
    if (!p) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: `${OFFSETS_TOPIC} partition for group ${groupId} is not hosted here` };
    return tombstones ? appendOffsetsTombstones(p, records, Date.now()) : appendOffsetsRecords(p, records, Date.now(), txn);
  }

  private store(): GroupStore {
    return {
      offsetsCommitted: (groupId, offsets) =>
        this.append(groupId, offsets.map((o) => ({ key: offsetKey(groupId, o.topic, o.partition), value: offsetValue(o.entry) }))),
      txnOffsetsCommitted: (groupId, producer, offsets) =>
        this.append(groupId, offsets.map((o) => ({ key: offsetKey(groupId, o.topic, o.partition), value: offsetValue(o.entry) })), false, producer),
      offsetsDeleted: (groupId, parts) => this.append(groupId, parts.map((p) => ({ key: offsetKey(groupId, p.topic, p.partition), value: null })), true),
      groupChanged: (g) => this.append(g.groupId, [{ key: groupKey(g.groupId), value: groupValue(storedGroup(g)) }]),
      groupDeleted: (groupId) => {
        const records = [{ key: groupKey(groupId), value: null as Uint8Array | null }];
        for (const [topic, parts] of this.coordinator.offsets.topicsOf(groupId)) {
          for (const partition of parts.keys()) records.push({ key: offsetKey(groupId, topic, partition), value: null });
        }
        // As Kafka: the partitions known only by a pending transactional commit get a tombstone too.
        for (const p of this.coordinator.pending.partitionsOf(groupId)) {
          if (!this.coordinator.offsets.get(groupId, p.topic, p.partition)) records.push({ key: offsetKey(groupId, p.topic, p.partition), value: null });
        }
        return this.append(groupId, records, true);
      },
    };
  }

  /**
   * Replays partitions of __consumer_offsets (default: every one) into the coordinator, in log
   * order: offset records and tombstones as they come (transactional ones pending for their
   * producer), markers completing or dropping the pending ones, the last group record of each
   * group restored. From then on the partition's markers reach the coordinator as they are appended.
   */
  private load(partitions: readonly (Partition | undefined)[] = this.deps.partitions.partitionsOf(OFFSETS_TOPIC)): void {
    const started = performance.now();
    const consumerRecords: ConsumerGroupRecord[] = [];
    const c = this.coordinator;
    const now = Date.now();
    const before = c.groups.size;
    let records = 0;
    for (const partition of partitions) {
      if (!partition) continue;
      this.watchMarkers(partition);
      const entries = readOffsetsPartition(partition, (why) => this.deps.log.warn(`${OFFSETS_TOPIC}-${partition.index}: ${why}`));
      records += c.replayPartition(divertConsumerGroupRecords(entries, consumerRecords), (groupId) => this.partitionFor(groupId) === partition.index, now);
    }
    const consumerGroups = this.consumerGroups.restore(consumerRecords, now);
    // Replayed transactional commits of a consumer group may have made it a classic placeholder: it is the consumer group's id.
    for (const groupId of this.consumerGroups.ids()) {
      const g = c.groups.get(groupId);
      if (g && g.state === "Empty" && g.members.size === 0 && g.generationId === 0) c.groups.delete(groupId);
    }
    for (const groupId of [...c.offsets.groups(), ...c.pending.groups()]) if (!this.consumerGroups.has(groupId)) c.getOrCreate(groupId, now);
    this.deps.log.info("loaded consumer groups", {
      topic: OFFSETS_TOPIC,
      partitions: partitions.length === 1 ? partitions[0]?.index : partitions.length,
      records,
      groups: c.groups.size - before,
      consumerGroups,
      ms: Math.round(performance.now() - started),
    });
  }
}

/** Passes the classic records on and keeps the KIP-848 consumer group ones (replayed by consumer-group/). */
function* divertConsumerGroupRecords(entries: Iterable<OffsetsLogEntry>, into: ConsumerGroupRecord[]): Generator<OffsetsLogEntry> {
  for (const e of entries) {
    if (e.kind === "consumer") into.push(e.record);
    else yield e;
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
