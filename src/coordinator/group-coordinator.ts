/**
 * The group coordinator: every group this broker coordinates and their committed offsets. Pure in
 * the same sense as group-state.ts (time comes in as `nowMs`, deadlines fire on `tick`), so the
 * property tests drive it directly; GroupService adds the real clock and the __consumer_offsets
 * persistence through the `GroupStore` it is given.
 *
 * A group exists while it has members or offsets; an Empty group without offsets is forgotten.
 * A write the store refuses is logged with its context and answered with Kafka's coordinator error
 * for the append error (coordinatorErrorFor); memory changes only after a write succeeded.
 *
 * Transactional offsets (TxnOffsetCommit): stored as a transactional batch of the producer, held
 * in `pending` (offsets-store.ts) and moved into the committed offsets, or dropped, when that
 * producer's marker lands on the group's __consumer_offsets partition (completeTxn, called by
 * GroupService from Partition.onTxnMarker). A replay of the log (GroupService.load) goes through
 * the same replayOffset/completeTxn, so what a restart or a new leader shows is what was shown.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type { Fields, Logger } from "../util/log.ts";
import { DEFAULT_GROUP_CONFIG, MAX_GROUPS, MAX_GROUP_ID_LENGTH, type GroupConfig } from "./group-config.ts";
import { Group, type JoinRequest, type JoinResult, type SyncRequest, type SyncResult } from "./group-state.ts";
import { OffsetStore, PendingTxnOffsets, type OffsetEntry } from "./offsets-store.ts";
import type { OffsetsLogEntry, StoredGroup, TxnProducer } from "./offsets-log.ts";

/** The outcome of one write to the store: the Kafka error code of the append (NONE = durable). */
export interface StoreResult {
  errorCode: number;
  errorMessage: string | null;
  /** Offset in __consumer_offsets of the first record written (records follow in order); absent when not known. */
  baseOffset?: number;
}

export const STORED: StoreResult = { errorCode: ErrorCode.NONE, errorMessage: null };

/**
 * Where the coordinator writes what must survive a restart. Each write answers how its append
 * went; only a write answered NONE is applied in memory. A throw counts as UNKNOWN_SERVER_ERROR.
 */
export interface GroupStore {
  offsetsCommitted(groupId: string, offsets: { topic: string; partition: number; entry: OffsetEntry }[]): StoreResult;
  /** TxnOffsetCommit: the same records in one transactional batch of the producer. */
  txnOffsetsCommitted(groupId: string, producer: TxnProducer, offsets: { topic: string; partition: number; entry: OffsetEntry }[]): StoreResult;
  offsetsDeleted(groupId: string, partitions: { topic: string; partition: number }[]): StoreResult;
  groupChanged(group: Group): StoreResult;
  groupDeleted(groupId: string): StoreResult;
}

export const NO_STORE: GroupStore = {
  offsetsCommitted: () => STORED,
  txnOffsetsCommitted: () => STORED,
  offsetsDeleted: () => STORED,
  groupChanged: () => STORED,
  groupDeleted: () => STORED,
};

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => SILENT };

/**
 * The error a client of the coordinator gets when a write to __consumer_offsets failed, from the
 * append's error (Kafka's GroupCoordinatorService maps the same way): the partition missing or too
 * few replicas or a timeout -> COORDINATOR_NOT_AVAILABLE (retry here), this broker no longer leading
 * it or its log directory failing -> NOT_COORDINATOR (find the coordinator again), a batch too large
 * -> UNKNOWN_SERVER_ERROR; any other error is passed on as it is.
 */
export function coordinatorErrorFor(appendErrorCode: number): number {
  switch (appendErrorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return appendErrorCode;
  }
}

function errorName(code: number): string {
  for (const [name, value] of Object.entries(ErrorCode)) if (value === code) return name;
  return String(code);
}

export interface CommitPartition {
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

export interface CommitRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  /** OffsetCommit v2-4 retention_time_ms; -1 = broker default. */
  retentionTimeMs: number;
  topics: { name: string; partitions: CommitPartition[] }[];
}

export type CommitResult = { name: string; partitions: { partition: number; errorCode: number }[] }[];

/** TxnOffsetCommit for one group (v0-2 carry no member: generation -1, member "", instance null). */
export interface TxnCommitRequest {
  groupId: string;
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  topics: { name: string; partitions: CommitPartition[] }[];
}

/** One committed offset as OffsetFetch sees it; `unstable` when a transaction holds a pending commit for it. */
export interface FetchedOffset {
  partition: number;
  entry: OffsetEntry | undefined;
  unstable: boolean;
}

/** Kafka's member id shape: the client id (or instance id), a dash, a UUID. */
export function randomMemberId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

export function groupIdError(groupId: string): number {
  if (groupId.length === 0 || groupId.length > MAX_GROUP_ID_LENGTH) return ErrorCode.INVALID_GROUP_ID;
  return ErrorCode.NONE;
}

/** Partitions named in one log line about a failed write (the count is logged too). */
const MAX_LOGGED_PARTITIONS = 20;

export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  readonly offsets = new OffsetStore();
  /** Transactional offsets waiting for their producer's marker. */
  readonly pending = new PendingTxnOffsets();
  readonly config: GroupConfig;
  /**
   * Whether a group of another type (a KIP-848 consumer group, consumer-group/) with members shares
   * this id: its offsets are not expired while it has members. Set by GroupService.
   */
  activeElsewhere: (groupId: string) => boolean = () => false;

  constructor(
    config: Partial<GroupConfig> = {},
    private readonly store: GroupStore = NO_STORE,
    private readonly newMemberId: (prefix: string) => string = randomMemberId,
    private readonly log: Logger = SILENT,
  ) {
    this.config = { ...DEFAULT_GROUP_CONFIG, ...config };
  }

  /**
   * Runs one write to the store; a failure (an error code, or a throw) is logged with `what` and
   * `fields` (group, member, partitions) and answered as the coordinator error for the client.
   */
  private write(what: string, fields: Fields, op: () => StoreResult, stored?: (r: StoreResult) => void): number {
    let r: StoreResult;
    try {
      r = op();
    } catch (e) {
      this.log.error(`${what} failed`, { ...fields, error: e });
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (r.errorCode === ErrorCode.NONE) {
      stored?.(r);
      return ErrorCode.NONE;
    }
    const answered = coordinatorErrorFor(r.errorCode);
    this.log.error(`${what} failed`, { ...fields, appendError: errorName(r.errorCode), message: r.errorMessage, answered: errorName(answered) });
    return answered;
  }

  private readonly events = {
    // A failed write is logged; the group decides what the members hear (group-state.ts: a leader's
    // SyncGroup answers the error; an Empty group or a replaced static member goes on, as in Kafka).
    metadataChanged: (g: Group): number => {
      return this.write("storing group metadata", { group: g.groupId, generation: g.generationId, state: g.state, members: g.members.size }, () => this.store.groupChanged(g));
    },
  };

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /** The group, created Empty when missing; null when the coordinator holds MAX_GROUPS already. */
  getOrCreate(groupId: string, nowMs: number): Group | null {
    let g = this.groups.get(groupId);
    if (g) return g;
    if (this.groups.size >= MAX_GROUPS) return null;
    g = new Group(groupId, this.config, this.newMemberId, this.events, nowMs);
    this.groups.set(groupId, g);
    return g;
  }

  /** Drops an Empty group that holds nothing; one that had a generation waits for the retention sweep (as Kafka). */
  private forgetIfUnused(g: Group): void {
    if (g.generationId > 0) return;
    if (g.state === "Empty" && g.members.size === 0 && g.pendingMembers.size === 0 && !this.offsets.hasGroup(g.groupId) && !this.pending.hasGroup(g.groupId)) {
      this.groups.delete(g.groupId);
    }
  }

  join(groupId: string, req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    const err = groupIdError(groupId);
    const fail = (errorCode: number) =>
      respond({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId: req.memberId, members: [], skipAssignment: false });
    if (err !== ErrorCode.NONE) return fail(err);
    const existing = this.groups.get(groupId);
    if (!existing && req.memberId !== "") return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const g = existing ?? this.getOrCreate(groupId, nowMs);
    if (!g) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    g.join(req, nowMs, respond);
    this.forgetIfUnused(g);
  }

  sync(groupId: string, req: SyncRequest, nowMs: number, respond: (r: SyncResult) => void): void {
    const g = this.groups.get(groupId);
    if (!g) return respond({ errorCode: groupIdError(groupId) || ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: new Uint8Array(0) });
    g.sync(req, nowMs, respond);
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number, nowMs: number): number {
    const g = this.groups.get(groupId);
    if (!g) return groupIdError(groupId) || ErrorCode.UNKNOWN_MEMBER_ID;
    return g.heartbeat(memberId, groupInstanceId, generationId, nowMs);
  }

  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[], nowMs: number): { groupError: number; memberErrors: number[] } {
    const g = this.groups.get(groupId);
    if (!g) {
      const e = groupIdError(groupId) || ErrorCode.UNKNOWN_MEMBER_ID;
      return { groupError: e, memberErrors: members.map(() => e) };
    }
    const memberErrors = members.map((m) => g.leave(m.memberId, m.groupInstanceId, nowMs));
    this.forgetIfUnused(g);
    return { groupError: ErrorCode.NONE, memberErrors };
  }

  commit(req: CommitRequest, nowMs: number): CommitResult {
    const everyPartition = (errorCode: number): CommitResult =>
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) }));
    const idErr = groupIdError(req.groupId);
    if (idErr !== ErrorCode.NONE) return everyPartition(idErr);
    let g = this.groups.get(req.groupId);
    if (!g) {
      // Only a client that assigns partitions itself may create a group by committing.
      if (req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId !== null) return everyPartition(ErrorCode.UNKNOWN_MEMBER_ID);
      const created = this.getOrCreate(req.groupId, nowMs);
      if (!created) return everyPartition(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      g = created;
    }
    const err = g.validateCommit(req.memberId, req.groupInstanceId, req.generationId, nowMs);
    if (err !== ErrorCode.NONE) {
      this.forgetIfUnused(g);
      return everyPartition(err);
    }
    const accepted: { topic: string; partition: number; entry: OffsetEntry }[] = [];
    const result: CommitResult = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const metadata = p.metadata ?? "";
        let errorCode: number = ErrorCode.NONE;
        if (Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else if (!this.offsets.canPut(req.groupId, t.name, p.partition)) errorCode = ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
        else {
          accepted.push({
            topic: t.name,
            partition: p.partition,
            entry: {
              offset: p.offset,
              leaderEpoch: p.leaderEpoch,
              metadata,
              commitTimestampMs: nowMs,
              expireTimestampMs: req.retentionTimeMs >= 0 ? nowMs + req.retentionTimeMs : -1,
              recordOffset: -1,
            },
          });
        }
        return { partition: p.partition, errorCode };
      }),
    }));
    if (accepted.length > 0) {
      const fields = {
        group: req.groupId,
        member: req.memberId,
        generation: req.generationId,
        partitions: accepted.slice(0, MAX_LOGGED_PARTITIONS).map((a) => `${a.topic}-${a.partition}`),
        partitionCount: accepted.length,
      };
      const err = this.write("storing committed offsets", fields, () => this.store.offsetsCommitted(req.groupId, accepted), (r) => stampRecordOffsets(accepted, r));
      if (err !== ErrorCode.NONE) {
        // Not stored: the client hears the error for every partition it sent, and memory keeps the old offsets.
        this.forgetIfUnused(g);
        return everyPartition(err);
      }
      for (const a of accepted) this.offsets.put(req.groupId, a.topic, a.partition, a.entry);
    }
    this.forgetIfUnused(g);
    return result;
  }

  /**
   * TxnOffsetCommit (Kafka's commitTransactionalOffset): the group must exist unless the request
   * carries generation -1 (then a simple group is created, as for OffsetCommit), else
   * ILLEGAL_GENERATION; the committer is checked by Group.validateTxnCommit. Accepted partitions
   * are written as one transactional batch of the producer and kept pending until its marker.
   * The transaction coordinator's check that the offsets partition is in the producer's
   * transaction (KIP-890) is GroupService's, before this.
   */
  commitTransactional(req: TxnCommitRequest, nowMs: number): CommitResult {
    const everyPartition = (errorCode: number): CommitResult =>
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) }));
    const idErr = groupIdError(req.groupId);
    if (idErr !== ErrorCode.NONE) return everyPartition(idErr);
    let g = this.groups.get(req.groupId);
    if (!g) {
      if (req.generationId >= 0) return everyPartition(ErrorCode.ILLEGAL_GENERATION);
      const created = this.getOrCreate(req.groupId, nowMs);
      if (!created) return everyPartition(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      g = created;
    }
    const err = g.validateTxnCommit(req.memberId, req.groupInstanceId, req.generationId);
    if (err !== ErrorCode.NONE) {
      this.forgetIfUnused(g);
      return everyPartition(err);
    }
    const accepted: { topic: string; partition: number; entry: OffsetEntry }[] = [];
    let full = false;
    const result: CommitResult = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const metadata = p.metadata ?? "";
        let errorCode: number = ErrorCode.NONE;
        if (Buffer.byteLength(metadata) > this.config.offsetMetadataMaxBytes) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else if (!this.pending.canPut(req.producerId, req.groupId, t.name, p.partition)) full = true;
        else {
          accepted.push({
            topic: t.name,
            partition: p.partition,
            entry: { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata, commitTimestampMs: nowMs, expireTimestampMs: -1, recordOffset: -1 },
          });
        }
        return { partition: p.partition, errorCode };
      }),
    }));
    // Beyond the bounds on pending offsets the whole request is refused (retriable), never half stored.
    if (full) {
      this.forgetIfUnused(g);
      return everyPartition(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    if (accepted.length > 0) {
      const fields = {
        group: req.groupId,
        transactionalId: req.transactionalId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        partitions: accepted.slice(0, MAX_LOGGED_PARTITIONS).map((a) => `${a.topic}-${a.partition}`),
        partitionCount: accepted.length,
      };
      const producer = { producerId: req.producerId, producerEpoch: req.producerEpoch };
      const err = this.write("storing transactional offsets", fields, () => this.store.txnOffsetsCommitted(req.groupId, producer, accepted), (r) => stampRecordOffsets(accepted, r));
      if (err !== ErrorCode.NONE) {
        this.forgetIfUnused(g);
        return everyPartition(err);
      }
      for (const a of accepted) this.pending.put(req.producerId, req.groupId, a.topic, a.partition, a.entry);
    }
    this.forgetIfUnused(g);
    return result;
  }

  /**
   * A COMMIT or ABORT marker of `producerId` landed on a __consumer_offsets partition: its pending
   * offsets in the groups `inGroup` selects (that partition's) become committed — unless the
   * committed offset was written later in the log — or are dropped. Returns how many were pending.
   */
  completeTxn(producerId: bigint, commit: boolean, inGroup: (groupId: string) => boolean = () => true): number {
    const taken = this.pending.take(producerId, inGroup);
    const touched = new Set<string>();
    for (const p of taken) {
      touched.add(p.groupId);
      if (!commit) continue;
      const current = this.offsets.get(p.groupId, p.topic, p.partition);
      if (current && current.recordOffset >= 0 && p.entry.recordOffset >= 0 && p.entry.recordOffset <= current.recordOffset) continue;
      this.offsets.put(p.groupId, p.topic, p.partition, p.entry);
    }
    // The group exists since its TxnOffsetCommit (or, replaying, is created with the others once the
    // log is read; a KIP-848 consumer group has no classic group at all): an aborted commit may leave
    // a simple group with nothing, which goes.
    for (const groupId of touched) {
      const g = this.groups.get(groupId);
      if (g) this.forgetIfUnused(g);
    }
    return taken.length;
  }

  /**
   * Replays one __consumer_offsets partition's entries, in log order (GroupService.load): offset
   * records through replayOffset, markers through completeTxn for the groups `inGroup` selects
   * (that partition's), and each group's last metadata record restored. Returns the entries read.
   */
  replayPartition(entries: Iterable<OffsetsLogEntry>, inGroup: (groupId: string) => boolean, nowMs: number): number {
    const groups = new Map<string, StoredGroup | null>();
    let n = 0;
    for (const rec of entries) {
      n++;
      if (rec.kind === "marker") this.completeTxn(rec.producerId, rec.commit, inGroup);
      else if (rec.kind === "group") groups.set(rec.group, rec.value);
      else if (rec.kind === "offset") this.replayOffset(rec.producerId, rec.group, rec.topic, rec.partition, rec.value);
    }
    for (const [groupId, stored] of groups) {
      if (stored) this.getOrCreate(groupId, nowMs)?.restore(stored, nowMs);
    }
    return n;
  }

  /**
   * One offset record of a replayed __consumer_offsets partition (Kafka's OffsetMetadataManager
   * replay): a plain record sets the committed offset, a transactional one (`producerId` >= 0)
   * is pending for its producer, a tombstone deletes the committed offset and every pending one.
   */
  replayOffset(producerId: bigint, groupId: string, topic: string, partition: number, value: OffsetEntry | null): void {
    if (value === null) {
      this.offsets.delete(groupId, topic, partition);
      this.pending.deletePartition(groupId, topic, partition);
    } else if (producerId >= 0n) {
      this.pending.put(producerId, groupId, topic, partition, value);
    } else {
      this.offsets.put(groupId, topic, partition, value);
    }
  }

  /**
   * Committed offsets of the group; null topics = all it has committed. With `requireStable`
   * (OffsetFetch v7+, KIP-447) a partition with a pending transactional commit is `unstable`.
   */
  fetchOffsets(groupId: string, topics: { name: string; partitions: number[] }[] | null, requireStable = false): { name: string; partitions: FetchedOffset[] }[] {
    const unstable = (topic: string, partition: number) => requireStable && this.pending.has(groupId, topic, partition);
    if (topics === null) {
      return [...this.offsets.topicsOf(groupId)].map(([name, parts]) => ({
        name,
        partitions: [...parts].map(([partition, entry]) => ({ partition, entry, unstable: unstable(name, partition) })),
      }));
    }
    return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p, entry: this.offsets.get(groupId, t.name, p), unstable: unstable(t.name, p) })) }));
  }

  /** DeleteGroups for one group: only an Empty group (or one known only by its offsets) can go. */
  deleteGroup(groupId: string, nowMs: number): number {
    const idErr = groupIdError(groupId);
    if (idErr !== ErrorCode.NONE) return idErr;
    const g = this.groups.get(groupId);
    if (!g) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (g.state !== "Empty") return ErrorCode.NON_EMPTY_GROUP;
    const err = this.write("deleting group", { group: groupId }, () => this.store.groupDeleted(groupId));
    if (err !== ErrorCode.NONE) return err;
    g.markDead(nowMs);
    this.offsets.deleteGroup(groupId);
    this.pending.deleteGroup(groupId);
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  /**
   * OffsetDelete: a partition's offset can go unless a member of a consumer group is subscribed to
   * its topic (GROUP_SUBSCRIBED_TO_TOPIC); `subscribed` tells which topics members subscribe to.
   */
  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[], subscribed: (g: Group) => Set<string> | null):
    { groupError: number; topics: { name: string; partitions: { partition: number; errorCode: number }[] }[] } {
    const idErr = groupIdError(groupId);
    if (idErr !== ErrorCode.NONE) return { groupError: idErr, topics: [] };
    const g = this.groups.get(groupId);
    if (!g) return { groupError: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (g.protocolType !== null && g.protocolType !== "consumer" && g.state !== "Empty") return { groupError: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const subs = g.state === "Empty" ? new Set<string>() : subscribed(g);
    const removed: { topic: string; partition: number }[] = [];
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (subs === null || subs.has(t.name)) return { partition: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        // As Kafka: a tombstone when a committed or a pending transactional offset is there.
        if (this.offsets.get(groupId, t.name, p) || this.pending.has(groupId, t.name, p)) removed.push({ topic: t.name, partition: p });
        return { partition: p, errorCode: ErrorCode.NONE };
      }),
    }));
    if (removed.length > 0) {
      const fields = { group: groupId, partitions: removed.slice(0, MAX_LOGGED_PARTITIONS).map((r) => `${r.topic}-${r.partition}`), partitionCount: removed.length };
      const err = this.write("deleting committed offsets", fields, () => this.store.offsetsDeleted(groupId, removed));
      if (err !== ErrorCode.NONE) return { groupError: err, topics: [] };
      for (const r of removed) {
        this.offsets.delete(groupId, r.topic, r.partition);
        this.pending.deletePartition(groupId, r.topic, r.partition);
      }
    }
    this.forgetIfUnused(g);
    return { groupError: ErrorCode.NONE, topics: out };
  }

  /**
   * offsets.retention: an Empty group's offsets expire retentionMs after the group became Empty
   * (or after their commit, if later); an explicit expire timestamp (OffsetCommit v2-4) wins.
   * Offsets of groups with members are kept (KIP-211). Returns the number removed.
   */
  expireOffsets(nowMs: number): number {
    let removedCount = 0;
    for (const groupId of [...this.offsets.groups()]) {
      const g = this.groups.get(groupId);
      if (!g && this.activeElsewhere(groupId)) continue;
      const emptySince = !g || g.state === "Empty" ? (g?.stateTimestampMs ?? 0) : null;
      const expired: { topic: string; partition: number }[] = [];
      for (const [topic, parts] of this.offsets.topicsOf(groupId)) {
        for (const [partition, e] of parts) {
          const explicit = e.expireTimestampMs >= 0 && nowMs >= e.expireTimestampMs;
          const byRetention = emptySince !== null && nowMs >= Math.max(emptySince, e.commitTimestampMs) + this.config.offsetsRetentionMs;
          // As Kafka: not while a transaction holds a pending commit for the partition.
          if ((explicit || byRetention) && !this.pending.has(groupId, topic, partition)) expired.push({ topic, partition });
        }
      }
      if (expired.length === 0) continue;
      // A failed expiry is logged and tried again at the next sweep.
      const fields = { group: groupId, partitions: expired.slice(0, MAX_LOGGED_PARTITIONS).map((x) => `${x.topic}-${x.partition}`), partitionCount: expired.length };
      if (this.write("expiring committed offsets", fields, () => this.store.offsetsDeleted(groupId, expired)) !== ErrorCode.NONE) continue;
      for (const x of expired) this.offsets.delete(groupId, x.topic, x.partition);
      removedCount += expired.length;
    }
    for (const g of [...this.groups.values()]) {
      if (g.state !== "Empty" || g.members.size > 0 || g.pendingMembers.size > 0 || this.offsets.hasGroup(g.groupId) || this.pending.hasGroup(g.groupId)) continue;
      if (g.generationId > 0 && this.write("removing expired group", { group: g.groupId, generation: g.generationId }, () => this.store.groupDeleted(g.groupId)) !== ErrorCode.NONE) continue;
      this.groups.delete(g.groupId);
    }
    return removedCount;
  }

  tick(nowMs: number): void {
    for (const g of [...this.groups.values()]) {
      g.tick(nowMs);
      this.forgetIfUnused(g);
    }
  }

  /** Answers every waiting JoinGroup/SyncGroup (at shutdown) so no request hangs. */
  shutdown(): void {
    this.unload(() => true, false);
  }

  /**
   * Drops the groups (state and committed offsets) `which` selects, answering their waiting
   * JoinGroup/SyncGroup NOT_COORDINATOR: this broker stopped leading their __consumer_offsets
   * partition (the new leader loads them from the log). `forget` false only answers the waiters.
   */
  unload(which: (groupId: string) => boolean, forget = true): number {
    let n = 0;
    for (const g of [...this.groups.values()]) {
      if (!which(g.groupId)) continue;
      for (const m of g.members.values()) {
        const jw = m.joinWaiter;
        const sw = m.syncWaiter;
        m.joinWaiter = null;
        m.syncWaiter = null;
        jw?.({ errorCode: ErrorCode.NOT_COORDINATOR, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId: m.memberId, members: [], skipAssignment: false });
        sw?.({ errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: new Uint8Array(0) });
      }
      if (forget) {
        this.groups.delete(g.groupId);
        n++;
      }
    }
    if (forget) {
      for (const groupId of [...this.offsets.groups()]) if (which(groupId)) this.offsets.deleteGroup(groupId);
      for (const groupId of [...this.pending.groups()]) if (which(groupId)) this.pending.deleteGroup(groupId);
    }
    return n;
  }
}

/** Each accepted entry's record offset: the batch's base offset plus its place in the batch. */
function stampRecordOffsets(accepted: { entry: OffsetEntry }[], r: StoreResult): void {
  if (r.baseOffset === undefined || r.baseOffset < 0) return;
  accepted.forEach((a, i) => (a.entry.recordOffset = r.baseOffset! + i));
}
