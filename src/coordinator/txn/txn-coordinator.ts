/**
 * The transaction coordinator (Kafka's TransactionCoordinator + TransactionStateManager +
 * TransactionMarkerChannelManager): the pure state machine of txn-state.ts with the wall clock,
 * __transaction_state (txn-log.ts) for durability and the data path's TxnMarkerWriter
 * (cluster/txn-contract.ts) for COMMIT/ABORT markers.
 *
 * Placement: a transactional id lives in partition abs(javaHashCode(id)) % partitions of
 * __transaction_state; the broker leading that partition coordinates it. The topic (compacted,
 * `stateLogNumPartitions` partitions) is created on first use — FindCoordinator key type 1 or
 * InitProducerId — as Kafka does: one node directly, a cluster through the active controller with
 * min(stateLogReplicationFactor, live brokers) replicas. When this broker leads a partition, the
 * ids of that partition are loaded by replaying its log (the last record of a key wins, a tombstone
 * removes it) and the partition's leader epoch becomes the coordinator epoch written in markers;
 * when it stops leading it, they are dropped. Requests for ids of a partition not loaded here
 * answer NOT_COORDINATOR (COORDINATOR_LOAD_IN_PROGRESS while it leads it but has not loaded it).
 *
 * Writes: each state change is one record, appended with acks=-1 through the replica manager, so
 * a request is answered only after its record reached the ISR (on one node: the log). While the
 * write is in flight the id is pending (CONCURRENT_TRANSACTIONS to anything else). A failed write
 * leaves the state as it was and answers NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE (Kafka's
 * mapping of append errors).
 *
 * Ending a transaction (EndTxn, a timeout, InitProducerId fencing an ongoing one):
 *   Prepare{Commit,Abort} record  ->  answer EndTxn  ->  markers to every partition
 *   (retried, partition by partition, until written or the partition is gone)  ->  Complete* record.
 * Until the Complete record is written, requests for the id answer CONCURRENT_TRANSACTIONS (the
 * clients retry). A Prepare* state found when loading a partition (a coordinator that failed
 * mid-way) has its markers sent again; markers are idempotent for the data path.
 *
 * The clock: every `abortTimedOutIntervalMs` the ongoing transactions past their timeout are
 * aborted with a bumped epoch (their producer is fenced), at most TIMEOUT_ABORTS_PER_TICK per tick,
 * and unfinished Prepare* ids get their markers again; every `removeExpiredIntervalMs` ids with no
 * transaction unused for `idExpirationMs` are removed (a tombstone), at most EXPIRIES_PER_TICK.
 */
import type { PartitionManager } from "../../cluster/partition-manager.ts";
import type { ReplicaManager } from "../../cluster/replica-manager.ts";
import type { TopicRegistry } from "../../cluster/topics.ts";
import type { TopicPartitionRef, TxnMarkerWriter } from "../../cluster/txn-contract.ts";
import { TXN_MAX_MARKER_WRITES_IN_FLIGHT, TXN_MAX_TRANSACTIONAL_IDS } from "../../limits.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { buildRecordBatch } from "../../protocol/record-batch.ts";
import type { Logger } from "../../util/log.ts";
import { compileTopicRegex } from "../consumer-group/regex.ts";
import type { ProducerIdAllocator } from "../producer-ids.ts";
import { DEFAULT_TXN_CONFIG, type TxnConfig } from "./txn-config.ts";
import { TRANSACTION_STATE_TOPIC, readTxnPartition, txnKey, txnPartitionFor, txnValue } from "./txn-log.ts";
import {
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  TxnStateMachine,
  fromLogValue,
  toLogValue,
  type TopicPartitionsRequest,
  type Transition,
  type TxnMeta,
  type TxnStateName,
} from "./txn-state.ts";

/** What a cluster gives the coordinator (broker.ts); absent on one node. */
export interface TxnCoordinatorCluster {
  /** Creates __transaction_state through the active controller; resolves with the CreateTopics error code. */
  createTopic(partitions: number, replicationFactor: number, configs: Record<string, string>): Promise<number>;
  /** Registered, unfenced brokers now. */
  liveBrokerCount(): number;
  /**
   * Asks the coordinator on another broker whether a partition is in a transaction
   * (AddPartitionsToTxn v4 verify_only); the produce path's check when the id is coordinated elsewhere.
   */
  verifyRemote?(coordinatorNodeId: number, transactionalId: string, producerId: bigint, producerEpoch: number, partition: TopicPartitionRef): Promise<number>;
}

export interface TxnCoordinatorDeps {
  nodeId: number;
  topics: TopicRegistry;
  partitions: PartitionManager;
  replicas: () => ReplicaManager;
  markers: TxnMarkerWriter;
  producerIds: ProducerIdAllocator;
  /** The __consumer_offsets partition of a group (AddOffsetsToTxn adds it to the transaction). */
  offsetsPartitionFor: (groupId: string) => number;
  log: Logger;
  cluster?: TxnCoordinatorCluster;
}

/** Where a transactional id's coordinator is (-1 with an error). */
export interface TxnCoordinatorAnswer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export interface EndTxnResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
}

export interface TxnDescription {
  errorCode: number;
  transactionalId: string;
  state: TxnStateName | "";
  timeoutMs: number;
  startTimeMs: number;
  producerId: bigint;
  producerEpoch: number;
  topics: { topic: string; partitions: number[] }[];
}

export interface TxnListing {
  transactionalId: string;
  producerId: bigint;
  state: TxnStateName;
}

export interface ListFilters {
  states: string[];
  producerIds: bigint[];
  /** Only transactions running longer than this (ms); < 0: all. */
  durationMs: number;
  /** A regular expression over the transactional id; null or "": all. */
  pattern: string | null;
}

/** Kafka's state names as DescribeTransactions / ListTransactions show them. */
export const STATE_NAMES: readonly TxnStateName[] = ["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"];

/** Timed-out transactions aborted per sweep at most (the rest wait for the next one). */
export const TIMEOUT_ABORTS_PER_TICK = 1000;
/** Transactional ids removed per expiry sweep at most. */
export const EXPIRIES_PER_TICK = 1000;
/** Prepare* ids whose markers a sweep starts again at most. */
const MARKER_RESUMES_PER_TICK = 1000;
/** Characters a ListTransactions pattern (a regular expression from a client) may have at most. */
const MAX_PATTERN_LENGTH = 1000;
/**
 * A quantified group that holds a quantifier ("(a+)+", "(x*)*"): RE2 runs it in linear time, a
 * backtracking engine in exponential time. Refused rather than risk the event loop.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/;
/** Ids ListTransactions answers at most. */
const MAX_LISTED = 100_000;

/** Segment size of __transaction_state (Kafka's transaction.state.log.segment.bytes default). */
const STATE_LOG_SEGMENT_BYTES = 100 * 1024 * 1024;
const STATE_LOG_CONFIGS: Record<string, string> = { "cleanup.policy": "compact", "segment.bytes": String(STATE_LOG_SEGMENT_BYTES), "compression.type": "uncompressed" };

/** Append errors the marker channel retries (Kafka's TransactionMarkerRequestCompletionHandler). */
const MARKER_RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.UNKNOWN_SERVER_ERROR,
]);

/** A __transaction_state append's error as the client sees it (Kafka's TransactionStateManager.appendTransactionToLog). */
function appendErrorToClient(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

export class TxnCoordinator {
  readonly state = new TxnStateMachine();
  readonly config: TxnConfig;
  /** Partitions of __transaction_state loaded here -> the coordinator epoch (their leader epoch at load). */
  private readonly loaded = new Map<number, number>();
  /** Ids whose markers are being written now. */
  private readonly completing = new Set<string>();
  /** Ids waiting for a completion slot (at most TXN_MAX_MARKER_WRITES_IN_FLIGHT run at once), in order. */
  private readonly waitingToComplete = new Set<string>();
  private creating: Promise<string | null> | null = null;
  private abortTimer: ReturnType<typeof setInterval> | null = null;
  private expireTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(
    private readonly deps: TxnCoordinatorDeps,
    config: Partial<TxnConfig> = {},
  ) {
    this.config = { ...DEFAULT_TXN_CONFIG, ...config };
  }

  start(): void {
    this.deps.partitions.addListener({
      partitionsRemoved: () => queueMicrotask(() => this.reconcile()),
      leadershipChanged: (p) => {
        if (p.topic.name === TRANSACTION_STATE_TOPIC) queueMicrotask(() => this.reconcile());
      },
    });
    this.reconcile();
    this.abortTimer = setInterval(() => this.sweepTimeouts(), this.config.abortTimedOutIntervalMs);
    this.expireTimer = setInterval(() => this.sweepExpired(), this.config.removeExpiredIntervalMs);
    (this.abortTimer as { unref?: () => void }).unref?.();
    (this.expireTimer as { unref?: () => void }).unref?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.abortTimer) clearInterval(this.abortTimer);
    if (this.expireTimer) clearInterval(this.expireTimer);
  }

  // ------------------------------------------------------------------ placement

  get partitionCount(): number {
    return this.deps.topics.get(TRANSACTION_STATE_TOPIC)?.partitions ?? this.config.stateLogNumPartitions;
  }

  partitionFor(transactionalId: string): number {
    return txnPartitionFor(transactionalId, this.partitionCount);
  }

  private leads(p: number): boolean {
    if (this.deps.partitions.hosted(TRANSACTION_STATE_TOPIC, p) === undefined) return false;
    return !this.deps.cluster || this.deps.topics.partition(TRANSACTION_STATE_TOPIC, p)?.leader === this.deps.nodeId;
  }

  /** Loads the ids of partitions this broker leads now, drops those of partitions it no longer leads (or whose leader epoch moved). */
  reconcile(): void {
    if (this.closed) return;
    const count = this.deps.topics.get(TRANSACTION_STATE_TOPIC)?.partitions ?? 0;
    for (const [p, epoch] of [...this.loaded]) {
      const partition = this.deps.partitions.hosted(TRANSACTION_STATE_TOPIC, p);
      if (p < count && this.leads(p) && partition?.leaderEpoch === epoch) continue;
      this.loaded.delete(p);
      const n = this.state.unload((id) => this.partitionFor(id) === p);
      this.deps.log.info("unloaded transactional ids", { topic: TRANSACTION_STATE_TOPIC, partition: p, ids: n });
    }
    for (let p = 0; p < count; p++) {
      if (this.loaded.has(p) || !this.leads(p)) continue;
      this.load(p);
    }
  }

  private load(p: number): void {
    const partition = this.deps.partitions.hosted(TRANSACTION_STATE_TOPIC, p)!;
    const started = performance.now();
    const latest = new Map<string, TxnMeta | null>();
    let records = 0;
    for (const rec of readTxnPartition(partition, (why) => this.deps.log.warn(`${TRANSACTION_STATE_TOPIC}-${p}: ${why}`))) {
      records++;
      latest.set(rec.transactionalId, rec.value === null ? null : fromLogValue(rec.transactionalId, rec.value));
    }
    // Ids of this partition held before (a reload after an epoch change) are replaced by what the log says.
    this.state.unload((id) => this.partitionFor(id) === p);
    let ids = 0;
    for (const [id, m] of latest) {
      if (m === null || m.state === "Dead") continue;
      if (this.partitionFor(id) !== p) continue;
      this.state.restore(id, m);
      ids++;
    }
    this.loaded.set(p, partition.leaderEpoch);
    this.deps.log.info("loaded transactional ids", { topic: TRANSACTION_STATE_TOPIC, partition: p, records, ids, coordinatorEpoch: partition.leaderEpoch, ms: Math.round(performance.now() - started) });
    // Transactions a previous coordinator left half-ended get their markers now.
    for (const m of latest.values()) {
      if (m && (m.state === "PrepareCommit" || m.state === "PrepareAbort")) this.completeTransaction(m.transactionalId);
    }
  }

  /** Creates __transaction_state when missing (on first use, as Kafka). Resolves with why it is not there, or null. */
  private async ensureTopic(): Promise<string | null> {
    if (this.deps.topics.get(TRANSACTION_STATE_TOPIC)) return null;
    const cluster = this.deps.cluster;
    if (!cluster) {
      this.deps.topics.create(TRANSACTION_STATE_TOPIC, this.config.stateLogNumPartitions, { ...STATE_LOG_CONFIGS });
      this.deps.log.info("created internal topic", { topic: TRANSACTION_STATE_TOPIC, partitions: this.config.stateLogNumPartitions });
      this.reconcile();
      return null;
    }
    this.creating ??= (async () => {
      const rf = Math.max(1, Math.min(this.config.stateLogReplicationFactor, cluster.liveBrokerCount()));
      let why: string | null = null;
      try {
        const code = await cluster.createTopic(this.config.stateLogNumPartitions, rf, STATE_LOG_CONFIGS);
        if (code === ErrorCode.NONE) this.deps.log.info("created internal topic", { topic: TRANSACTION_STATE_TOPIC, partitions: this.config.stateLogNumPartitions, replicationFactor: rf });
        else if (code !== ErrorCode.TOPIC_ALREADY_EXISTS) why = `creating ${TRANSACTION_STATE_TOPIC} failed with error ${code}`;
      } catch (e) {
        why = `creating ${TRANSACTION_STATE_TOPIC} failed: ${(e as Error).message}`;
      }
      return why;
    })().finally(() => (this.creating = null));
    const why = await this.creating;
    this.reconcile();
    return this.deps.topics.get(TRANSACTION_STATE_TOPIC) ? null : (why ?? `${TRANSACTION_STATE_TOPIC} is being created`);
  }

  /** FindCoordinator key type 1: the leader of the id's partition (creating the topic on first use). */
  async findCoordinator(transactionalId: string): Promise<TxnCoordinatorAnswer> {
    const unavailable = (errorMessage: string): TxnCoordinatorAnswer => ({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage, nodeId: -1 });
    if (transactionalId === "") return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "empty transactional id", nodeId: -1 };
    const why = await this.ensureTopic();
    if (why !== null) return unavailable(why);
    const p = this.partitionFor(transactionalId);
    if (!this.deps.cluster) {
      this.reconcile();
      return this.loaded.has(p) ? { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: this.deps.nodeId } : unavailable(`${TRANSACTION_STATE_TOPIC}-${p} is not loaded`);
    }
    const leader = this.deps.topics.partition(TRANSACTION_STATE_TOPIC, p)?.leader ?? -1;
    if (leader < 0) return unavailable(`${TRANSACTION_STATE_TOPIC}-${p} has no leader`);
    if (leader === this.deps.nodeId) {
      this.reconcile();
      if (!this.loaded.has(p)) return unavailable(`${TRANSACTION_STATE_TOPIC}-${p} is loading`);
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: leader };
  }

  /** NONE when this broker coordinates the id now; else NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS. */
  coordinatorError(transactionalId: string): number {
    if (!this.deps.topics.get(TRANSACTION_STATE_TOPIC)) return ErrorCode.NOT_COORDINATOR;
    const p = this.partitionFor(transactionalId);
    if (this.loaded.has(p)) return ErrorCode.NONE;
    return this.leads(p) ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NOT_COORDINATOR;
  }

  // ------------------------------------------------------------------ writes

  /** Writes a transition's record (acks=-1) and completes it, or abandons it and answers the client's error. */
  private async persist(t: Transition): Promise<number> {
    const p = this.partitionFor(t.transactionalId);
    const epoch = this.loaded.get(p);
    if (epoch === undefined) {
      this.state.abandon(t);
      return ErrorCode.NOT_COORDINATOR;
    }
    const nowMs = Date.now();
    const value = t.to.state === "Dead" ? null : txnValue(toLogValue(t.to));
    const batch = buildRecordBatch({ baseTimestampMs: BigInt(nowMs), records: [{ key: txnKey(t.transactionalId), value }] });
    let code: number;
    try {
      const results = await this.deps.replicas().appendRecords([{ topic: TRANSACTION_STATE_TOPIC, partition: p, records: batch }], {
        acks: -1,
        timeoutMs: this.config.writeTimeoutMs,
        origin: "coordinator",
        nowMs,
      });
      code = results[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    } catch (e) {
      this.deps.log.error("__transaction_state append failed", { transactionalId: t.transactionalId, error: e });
      code = ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (code === ErrorCode.NONE && this.loaded.get(p) !== epoch) code = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    if (code !== ErrorCode.NONE) {
      this.state.abandon(t);
      this.deps.log.info("transaction state not written", { transactionalId: t.transactionalId, state: t.to.state, errorCode: code });
      return appendErrorToClient(code);
    }
    this.state.complete(t);
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ the client APIs

  /** InitProducerId with a transactional id. `expected` is v3+'s producer id and epoch (null when both are -1). */
  async initProducerId(transactionalId: string, timeoutMs: number, expected: { producerId: bigint; epoch: number } | null): Promise<InitProducerIdResult> {
    const fail = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (transactionalId === "") return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    if (!this.deps.topics.get(TRANSACTION_STATE_TOPIC)) {
      const why = await this.ensureTopic();
      if (why !== null) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const refused = this.coordinatorError(transactionalId);
    if (refused !== ErrorCode.NONE) return fail(refused);
    let a = this.state.initProducerId(transactionalId, timeoutMs, expected, Date.now(), null);
    if (a.needsProducerId) {
      let fresh: bigint;
      try {
        fresh = await this.deps.producerIds.allocate();
      } catch (e) {
        this.deps.log.info("no producer id block available", { reason: (e as Error).message });
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      const again = this.coordinatorError(transactionalId);
      if (again !== ErrorCode.NONE) return fail(again);
      a = this.state.initProducerId(transactionalId, timeoutMs, expected, Date.now(), fresh);
      if (a.needsProducerId) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    if (a.transition) {
      const code = await this.persist(a.transition);
      if (code !== ErrorCode.NONE) return fail(code);
      // Fencing an ongoing transaction: it is aborted now; the producer's retry bumps the epoch again.
      if (a.transition.to.state === "PrepareAbort") this.completeTransaction(transactionalId);
    }
    if (a.errorCode !== ErrorCode.NONE) return fail(a.errorCode);
    return { errorCode: ErrorCode.NONE, producerId: a.producerId, producerEpoch: a.producerEpoch };
  }

  /**
   * AddPartitionsToTxn (and AddOffsetsToTxn through addOffsets): one error per partition. Unknown
   * partitions answer UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED, as Kafka.
   */
  async addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, topics: readonly TopicPartitionsRequest[]): Promise<PartitionResult[]> {
    const all = (errorCode: number): PartitionResult[] => topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition, errorCode })));
    if (transactionalId === "") return all(ErrorCode.INVALID_REQUEST);
    const unknown = new Set<string>();
    for (const t of topics) {
      const info = this.deps.topics.get(t.topic);
      for (const p of t.partitions) if (!info || p < 0 || p >= info.partitions) unknown.add(`${t.topic}\u0000${p}`);
    }
    if (unknown.size > 0) {
      return topics.flatMap((t) =>
        t.partitions.map((partition) => ({ topic: t.topic, partition, errorCode: unknown.has(`${t.topic}\u0000${partition}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED })),
      );
    }
    const refused = this.coordinatorError(transactionalId);
    if (refused !== ErrorCode.NONE) return all(refused);
    const step = this.state.addPartitions(transactionalId, producerId, producerEpoch, topics, Date.now());
    if (step.transition) return all(await this.persist(step.transition));
    return all(step.errorCode);
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  async addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): Promise<number> {
    if (groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const partition = this.deps.offsetsPartitionFor(groupId);
    if (transactionalId === "") return ErrorCode.INVALID_REQUEST;
    const refused = this.coordinatorError(transactionalId);
    if (refused !== ErrorCode.NONE) return refused;
    const step = this.state.addPartitions(transactionalId, producerId, producerEpoch, [{ topic: "__consumer_offsets", partitions: [partition] }], Date.now());
    if (step.transition) return this.persist(step.transition);
    return step.errorCode;
  }

  /** The verify_only check (AddPartitionsToTxn v4+) for partitions of one transaction coordinated here. */
  verifyPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, topics: readonly TopicPartitionsRequest[]): PartitionResult[] {
    const refused = this.coordinatorError(transactionalId);
    return topics.flatMap((t) =>
      t.partitions.map((partition) => ({
        topic: t.topic,
        partition,
        errorCode: refused !== ErrorCode.NONE ? refused : this.pendingOrVerify(transactionalId, producerId, producerEpoch, t.topic, partition),
      })),
    );
  }

  private pendingOrVerify(transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number): number {
    return this.state.verify(transactionalId, producerId, producerEpoch, topic, partition);
  }

  /**
   * The produce path's check (ReplicaManager.txnVerifier): locally when this broker coordinates
   * the id, else through the coordinator's broker (a cluster), else NOT_COORDINATOR.
   */
  async verifyPartition(transactionalId: string, producerId: bigint, producerEpoch: number, partition: TopicPartitionRef): Promise<number> {
    // Without __transaction_state no coordinator has ever known the id.
    if (!this.deps.topics.get(TRANSACTION_STATE_TOPIC)) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    const refused = this.coordinatorError(transactionalId);
    if (refused === ErrorCode.NONE) return this.state.verify(transactionalId, producerId, producerEpoch, partition.topic, partition.partition);
    const cluster = this.deps.cluster;
    if (refused !== ErrorCode.NOT_COORDINATOR || !cluster?.verifyRemote) return refused;
    const p = this.partitionFor(transactionalId);
    const leader = this.deps.topics.partition(TRANSACTION_STATE_TOPIC, p)?.leader ?? -1;
    if (leader < 0 || leader === this.deps.nodeId) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return cluster.verifyRemote(leader, transactionalId, producerId, producerEpoch, partition);
  }

  /** EndTxn: answered once the Prepare* record is written; the markers and the Complete* record follow. */
  async endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, clientTransactionVersion: number): Promise<EndTxnResult> {
    const fail = (errorCode: number): EndTxnResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (transactionalId === "") return fail(ErrorCode.INVALID_REQUEST);
    const refused = this.coordinatorError(transactionalId);
    if (refused !== ErrorCode.NONE) return fail(refused);
    const a = this.state.endTxn(transactionalId, producerId, producerEpoch, commit, Date.now(), clientTransactionVersion);
    if (a.transition) {
      const code = await this.persist(a.transition);
      if (code !== ErrorCode.NONE) return fail(code);
      this.completeTransaction(transactionalId);
    }
    return { errorCode: a.errorCode, producerId: a.producerId, producerEpoch: a.producerEpoch };
  }

  // ------------------------------------------------------------------ markers

  /**
   * Writes the markers of a Prepare* transaction to each of its partitions (retrying the ones that
   * failed with a retriable error while this broker still coordinates the id at the same epoch),
   * then its Complete* record. Runs in the background; one at a time per id.
   */
  private completeTransaction(transactionalId: string): void {
    if (this.completing.has(transactionalId) || this.closed) return;
    if (this.completing.size >= TXN_MAX_MARKER_WRITES_IN_FLIGHT) {
      // Bounded by the ids this coordinator holds; the sweep also finds any it misses.
      if (this.waitingToComplete.size < TXN_MAX_TRANSACTIONAL_IDS) this.waitingToComplete.add(transactionalId);
      return;
    }
    this.completing.add(transactionalId);
    this.writeMarkersAndComplete(transactionalId)
      .catch((error) => this.deps.log.error("completing a transaction failed", { transactionalId, error }))
      .finally(() => {
        this.completing.delete(transactionalId);
        const next = this.waitingToComplete.values().next();
        if (!next.done) {
          this.waitingToComplete.delete(next.value);
          this.completeTransaction(next.value);
        }
      });
  }

  private async writeMarkersAndComplete(transactionalId: string): Promise<void> {
    const start = this.state.get(transactionalId);
    if (!start || (start.state !== "PrepareCommit" && start.state !== "PrepareAbort")) return;
    const p = this.partitionFor(transactionalId);
    const coordinatorEpoch = this.loaded.get(p);
    if (coordinatorEpoch === undefined) return;
    const result = start.state === "PrepareCommit" ? "commit" : "abort";
    let remaining: TopicPartitionRef[] = [];
    for (const [topic, ps] of start.partitions) for (const partition of ps) remaining.push({ topic, partition });
    const same = () => {
      const m = this.state.get(transactionalId);
      return !this.closed && this.loaded.get(p) === coordinatorEpoch && m !== undefined && m.state === start.state && m.producerId === start.producerId && m.producerEpoch === start.producerEpoch;
    };
    while (remaining.length > 0) {
      const results = await this.deps.markers.writeMarkers({ producerId: start.producerId, producerEpoch: start.producerEpoch, coordinatorEpoch, result, partitions: remaining });
      const next: TopicPartitionRef[] = [];
      for (const r of results) {
        if (r.errorCode === ErrorCode.NONE) continue;
        // A partition whose topic is gone has nothing to mark.
        if (r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !this.deps.topics.partition(r.topic, r.partition)) continue;
        if (MARKER_RETRIABLE.has(r.errorCode)) {
          next.push({ topic: r.topic, partition: r.partition });
          continue;
        }
        // Anything else (a newer producer epoch on the partition, a bad request) cannot be fixed by retrying.
        this.deps.log.warn("transaction marker refused", { transactionalId, topic: r.topic, partition: r.partition, errorCode: r.errorCode });
      }
      remaining = next;
      if (remaining.length === 0) break;
      await Bun.sleep(this.config.markerRetryBackoffMs);
      if (!same()) return;
    }
    if (!same()) return;
    const t = this.state.completeMarkers(transactionalId, start.producerId, start.producerEpoch, Date.now());
    if (t) await this.persist(t); // a failed write leaves Prepare*: the next sweep sends the markers again
  }

  // ------------------------------------------------------------------ the clock

  /** Aborts transactions past their timeout (bounded) and restarts unfinished markers. */
  sweepTimeouts(nowMs = Date.now()): void {
    try {
      this.reconcile();
      let n = 0;
      for (const m of this.state.timedOut(nowMs)) {
        if (n++ >= TIMEOUT_ABORTS_PER_TICK) break;
        const t = this.state.abortTimedOut(m.transactionalId, nowMs);
        if (!t) continue;
        this.deps.log.info("aborting a transaction past its timeout", { transactionalId: m.transactionalId, producerId: m.producerId, timeoutMs: m.timeoutMs });
        void this.persist(t).then((code) => {
          if (code === ErrorCode.NONE) this.completeTransaction(m.transactionalId);
        });
      }
      let resumed = 0;
      for (const m of this.state.all()) {
        if (resumed >= MARKER_RESUMES_PER_TICK) break;
        if ((m.state === "PrepareCommit" || m.state === "PrepareAbort") && !this.completing.has(m.transactionalId) && !this.state.pendingOf(m.transactionalId)) {
          resumed++;
          this.completeTransaction(m.transactionalId);
        }
      }
    } catch (e) {
      this.deps.log.error("transaction timeout sweep failed", { error: e });
    }
  }

  /** Removes ids with no transaction unused for idExpirationMs (bounded per sweep). */
  sweepExpired(nowMs = Date.now()): void {
    try {
      const ts = this.state.expire(nowMs, this.config.idExpirationMs, EXPIRIES_PER_TICK);
      if (ts.length > 0) this.deps.log.info("removing expired transactional ids", { count: ts.length });
      for (const t of ts) void this.persist(t);
    } catch (e) {
      this.deps.log.error("transactional id expiry sweep failed", { error: e });
    }
  }

  // ------------------------------------------------------------------ describe and list

  describe(transactionalId: string): TxnDescription {
    const none: TxnDescription = { errorCode: ErrorCode.NONE, transactionalId, state: "", timeoutMs: 0, startTimeMs: -1, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, topics: [] };
    const refused = this.coordinatorError(transactionalId);
    if (refused !== ErrorCode.NONE) return { ...none, errorCode: refused };
    const m = this.state.get(transactionalId);
    if (!m || m.state === "Dead") return { ...none, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    return {
      errorCode: ErrorCode.NONE,
      transactionalId,
      state: m.state,
      timeoutMs: m.timeoutMs,
      startTimeMs: m.startMs,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      topics: [...m.partitions].map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) })),
    };
  }

  /** ListTransactions over the ids this broker coordinates; errorCode INVALID_REGULAR_EXPRESSION for a bad pattern. */
  list(filters: ListFilters, nowMs = Date.now()): { errorCode: number; unknownStateFilters: string[]; transactions: TxnListing[] } {
    const known = new Set<string>(STATE_NAMES);
    const unknownStateFilters = filters.states.filter((s) => !known.has(s));
    const states = new Set(filters.states.filter((s) => known.has(s)));
    const pids = new Set(filters.producerIds);
    let re: RegExp | null = null;
    if (filters.pattern) {
      // Kafka compiles it with RE2/J and matches whole ids; what RE2 refuses, or could backtrack without bound here, is INVALID_REGULAR_EXPRESSION.
      const compiled = filters.pattern.length > MAX_PATTERN_LENGTH || NESTED_QUANTIFIER.test(filters.pattern) ? null : compileTopicRegex(filters.pattern);
      if (!compiled || !compiled.ok) return { errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, unknownStateFilters, transactions: [] };
      re = compiled.regex;
    }
    const out: TxnListing[] = [];
    // Unknown state filters only: Kafka answers none rather than all.
    if (filters.states.length > 0 && states.size === 0) return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions: out };
    for (const m of this.state.all()) {
      if (out.length >= MAX_LISTED) break;
      if (m.state === "Dead") continue;
      if (states.size > 0 && !states.has(m.state)) continue;
      if (pids.size > 0 && !pids.has(m.producerId)) continue;
      if (filters.durationMs >= 0 && (m.startMs < 0 || nowMs - m.startMs < filters.durationMs)) continue;
      if (re && !re.test(m.transactionalId)) continue;
      out.push({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state });
    }
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions: out };
  }
}
