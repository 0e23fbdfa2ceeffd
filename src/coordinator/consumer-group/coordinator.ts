/**
 * The KIP-848 side of the group coordinator: every consumer group (group.protocol=consumer) this
 * broker coordinates. Pure like group-coordinator.ts: time comes in as `nowMs`, the topics as a
 * TopicsView, writes go through a ConsumerGroupStore that answers the coordinator error of the
 * append; a change whose write fails is undone (the group is put back as it was) and the member hears
 * the error. What it writes is the difference between the group before and after the change, as
 * Kafka's records (records.ts).
 *
 * It answers ConsumerGroupHeartbeat (validation as Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid:
 * INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, INVALID_REGULAR_EXPRESSION; then the group: GROUP_ID_NOT_FOUND
 * for an unknown group joined at an epoch other than 0, or a group of the classic type that has
 * members; an empty classic group is converted on the first join), ConsumerGroupDescribe, and checks
 * OffsetCommit / OffsetFetch of its groups by member epoch.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { Logger } from "../../util/log.ts";
import { copyPartitions, fromList, samePartitions, type TopicPartitions } from "./assignment.ts";
import { DEFAULT_CONSUMER_GROUP_CONFIG, MAX_MEMBER_ID_LENGTH, MAX_SUBSCRIBED_TOPICS, type ConsumerGroupConfig } from "./config.ts";
import { ConsumerGroup, LEAVE_GROUP_STATIC_MEMBER_EPOCH, type ConsumerMember, type HeartbeatResult, type TopicsView, type MemberStateValue } from "./group.ts";
import { RecordType, type ConsumerGroupRecord, type CurrentAssignment, type MemberMetadata } from "./records.ts";
import { compileTopicRegex } from "./regex.ts";

/** Where consumer group records go: one call is one batch; answers the coordinator error (NONE = stored). */
export interface ConsumerGroupStore {
  write(groupId: string, records: ConsumerGroupRecord[]): number;
}

/** The classic groups of the same coordinator, for the rules between the two types. */
export interface ClassicGroupsView {
  /** "none", "empty" (an Empty classic group, convertible) or "active" (it has members). */
  classicGroup(groupId: string): "none" | "empty" | "active";
  /** Removes an Empty classic group on its conversion; answers the error of writing that (NONE = done). */
  convertEmptyClassic(groupId: string): number;
}

export interface HeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
  /** ConsumerGroupHeartbeat version: v1+ clients choose their member id. */
  version: number;
}

export interface DescribedMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: { topicId: string; topicName: string; partitions: number[] }[];
  targetAssignment: { topicId: string; topicName: string; partitions: number[] }[];
}

export interface DescribedConsumerGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: DescribedMember[];
}

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => SILENT };

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function metadataOf(m: ConsumerMember): MemberMetadata {
  return {
    instanceId: m.instanceId,
    rackId: m.rackId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    subscribedTopicNames: [...m.subscribedTopicNames],
    subscribedTopicRegex: m.subscribedTopicRegex,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    serverAssignor: m.serverAssignor,
  };
}

function sameMetadata(a: ConsumerMember, b: ConsumerMember): boolean {
  return (
    a.instanceId === b.instanceId && a.rackId === b.rackId && a.clientId === b.clientId && a.clientHost === b.clientHost &&
    sameStrings(a.subscribedTopicNames, b.subscribedTopicNames) && a.subscribedTopicRegex === b.subscribedTopicRegex &&
    a.rebalanceTimeoutMs === b.rebalanceTimeoutMs && a.serverAssignor === b.serverAssignor
  );
}

function currentOf(m: ConsumerMember): CurrentAssignment {
  return { memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: m.state, assigned: copyPartitions(m.assigned), pendingRevocation: copyPartitions(m.pendingRevocation) };
}

function sameCurrent(a: ConsumerMember, b: ConsumerMember): boolean {
  return a.memberEpoch === b.memberEpoch && a.previousMemberEpoch === b.previousMemberEpoch && a.state === b.state && samePartitions(a.assigned, b.assigned) && samePartitions(a.pendingRevocation, b.pendingRevocation);
}

/**
 * The records that turn `before` into `after` (null = the group is gone), in Kafka's order: member
 * metadata and the group epoch, then the target assignment, then current assignments; tombstones
 * of a removed member go current assignment, target, metadata.
 */
export function recordsBetween(groupId: string, before: ConsumerGroup | null, after: ConsumerGroup | null): ConsumerGroupRecord[] {
  const out: ConsumerGroupRecord[] = [];
  const bm = before?.members ?? new Map<string, ConsumerMember>();
  const am = after?.members ?? new Map<string, ConsumerMember>();
  for (const [id, m] of am) {
    const old = bm.get(id);
    if (!old || !sameMetadata(old, m)) out.push({ type: RecordType.CONSUMER_GROUP_MEMBER_METADATA, groupId, memberId: id, value: metadataOf(m) });
  }
  if (after && (!before || before.groupEpoch !== after.groupEpoch)) out.push({ type: RecordType.CONSUMER_GROUP_METADATA, groupId, value: { epoch: after.groupEpoch, metadataHash: after.currentMetadataHash } });
  const bt = before?.target ?? new Map<string, TopicPartitions>();
  const at = after?.target ?? new Map<string, TopicPartitions>();
  for (const [id, t] of at) {
    const old = bt.get(id);
    if (!old || !samePartitions(old, t)) out.push({ type: RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, groupId, memberId: id, value: copyPartitions(t) });
  }
  for (const id of bt.keys()) if (!at.has(id)) out.push({ type: RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, groupId, memberId: id, value: null });
  if (after && (!before || before.assignmentEpoch !== after.assignmentEpoch)) {
    out.push({ type: RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, groupId, value: { assignmentEpoch: after.assignmentEpoch, assignmentTimestampMs: after.assignmentTimestampMs } });
  }
  for (const [id, m] of am) {
    const old = bm.get(id);
    if (!old || !sameCurrent(old, m)) out.push({ type: RecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT, groupId, memberId: id, value: currentOf(m) });
  }
  for (const id of bm.keys()) {
    if (am.has(id)) continue;
    out.push({ type: RecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT, groupId, memberId: id, value: null });
    out.push({ type: RecordType.CONSUMER_GROUP_MEMBER_METADATA, groupId, memberId: id, value: null });
  }
  if (!after && before) {
    out.push({ type: RecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, groupId, value: null });
    out.push({ type: RecordType.CONSUMER_GROUP_METADATA, groupId, value: null });
  }
  return out;
}

const NO_CLASSIC: ClassicGroupsView = { classicGroup: () => "none", convertEmptyClassic: () => ErrorCode.NONE };

export class ConsumerGroupCoordinator {
  readonly groups = new Map<string, ConsumerGroup>();
  readonly config: ConsumerGroupConfig;
  /**
   * A group's own settings (the GROUP config resource: consumer.session.timeout.ms and
   * consumer.heartbeat.interval.ms), read at each heartbeat so a change applies from the next one.
   */
  groupOverrides: (groupId: string) => Partial<Pick<ConsumerGroupConfig, "sessionTimeoutMs" | "heartbeatIntervalMs">> = () => ({});

  constructor(
    config: Partial<ConsumerGroupConfig>,
    private readonly store: ConsumerGroupStore,
    private readonly topics: () => TopicsView,
    private readonly classic: ClassicGroupsView = NO_CLASSIC,
    private readonly maxGroups = 100_000,
    private readonly newMemberId: () => string = () => crypto.randomUUID(),
    private readonly log: Logger = SILENT,
  ) {
    this.config = { ...DEFAULT_CONSUMER_GROUP_CONFIG, ...config };
  }

  /** The settings `groupId`'s members get: the broker's, then the group's own. */
  configOf(groupId: string): ConsumerGroupConfig {
    const own = this.groupOverrides(groupId);
    return own.sessionTimeoutMs === undefined && own.heartbeatIntervalMs === undefined ? this.config : { ...this.config, ...own };
  }

  get(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  /** Runs `change` on the group and writes what changed; undone (and the error answered) if the write fails. */
  private apply<T>(groupId: string, change: (g: ConsumerGroup) => T, failed: (errorCode: number) => T, create = false): T {
    const existing = this.groups.get(groupId);
    const before = existing?.clone() ?? null;
    const g = existing ?? (create ? new ConsumerGroup(groupId, 0) : null);
    if (!g) return failed(ErrorCode.GROUP_ID_NOT_FOUND);
    if (!existing) this.groups.set(groupId, g);
    const result = change(g);
    const records = recordsBetween(groupId, before, g);
    if (records.length === 0) return result;
    let errorCode: number;
    try {
      errorCode = this.store.write(groupId, records);
    } catch (e) {
      this.log.error("storing consumer group records failed", { group: groupId, error: e });
      errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (errorCode === ErrorCode.NONE) return result;
    this.log.error("storing consumer group records failed", { group: groupId, records: records.length, answered: errorCode });
    if (before) this.groups.set(groupId, before);
    else this.groups.delete(groupId);
    return failed(errorCode);
  }

  /** Request checks that need no group (Kafka's order); null = valid. */
  private invalid(req: HeartbeatRequest): { errorCode: number; errorMessage: string } | null {
    const bad = (errorMessage: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
    if (req.groupId === "") return bad("GroupId can't be empty.");
    if (req.instanceId === "") return bad("InstanceId can't be empty.");
    if (req.rackId === "") return bad("RackId can't be empty.");
    if (req.memberId.length > MAX_MEMBER_ID_LENGTH) return bad(`MemberId is longer than ${MAX_MEMBER_ID_LENGTH} characters.`);
    if ((req.subscribedTopicNames?.length ?? 0) > MAX_SUBSCRIBED_TOPICS) return bad(`SubscribedTopicNames has more than ${MAX_SUBSCRIBED_TOPICS} topics.`);
    if (req.version >= 1 && req.memberId === "") return bad("MemberId can't be empty.");
    if (req.memberEpoch > 0 || req.memberEpoch === -1) {
      if (req.memberId === "") return bad("MemberId can't be empty.");
    } else if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) return bad("RebalanceTimeoutMs must be provided in first request.");
      if (req.topicPartitions === null || req.topicPartitions.length > 0) return bad("TopicPartitions must be empty when (re-)joining.");
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) return bad("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
    } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (req.instanceId === null) return bad("InstanceId can't be null.");
    } else {
      return bad(`MemberEpoch is invalid.`);
    }
    if (req.serverAssignor !== null && !this.config.assignors.includes(req.serverAssignor)) {
      return { errorCode: ErrorCode.UNSUPPORTED_ASSIGNOR, errorMessage: `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${this.config.assignors.join(", ")}.` };
    }
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== "") {
      const r = compileTopicRegex(req.subscribedTopicRegex);
      if (!r.ok) return { errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, errorMessage: r.message };
    }
    return null;
  }

  heartbeat(req: HeartbeatRequest, nowMs: number): HeartbeatResult {
    const fail = (errorCode: number, errorMessage: string | null = null): HeartbeatResult => ({ errorCode, errorMessage, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null });
    const invalid = this.invalid(req);
    if (invalid) return fail(invalid.errorCode, invalid.errorMessage);
    const joining = req.memberEpoch === 0;
    if (!this.groups.has(req.groupId)) {
      const classic = this.classic.classicGroup(req.groupId);
      if (classic === "active") return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`);
      if (!joining) return fail(ErrorCode.GROUP_ID_NOT_FOUND, req.memberEpoch < 0 ? `Group ${req.groupId} not found.` : `Consumer group ${req.groupId} not found.`);
      if (this.groups.size >= this.maxGroups) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, "This coordinator holds its maximum number of groups.");
      if (classic === "empty") {
        const err = this.classic.convertEmptyClassic(req.groupId);
        if (err !== ErrorCode.NONE) return fail(err);
        this.log.info("converted the empty classic group to a consumer group", { group: req.groupId });
      }
    }
    const topics = this.topics();
    const owned = req.topicPartitions === null ? null : fromList(req.topicPartitions);
    return this.apply(
      req.groupId,
      (g) =>
        g.heartbeat(
          {
            memberId: req.memberId,
            memberEpoch: req.memberEpoch,
            instanceId: req.instanceId,
            rackId: req.rackId,
            rebalanceTimeoutMs: req.rebalanceTimeoutMs,
            subscribedTopicNames: req.subscribedTopicNames,
            subscribedTopicRegex: req.subscribedTopicRegex,
            serverAssignor: req.serverAssignor,
            owned,
            clientId: req.clientId,
            clientHost: req.clientHost,
          },
          nowMs,
          topics,
          this.configOf(req.groupId),
          this.newMemberId,
        ),
      (errorCode) => fail(errorCode),
      joining,
    );
  }

  /** Session and rebalance timeouts: fenced members leave their groups (written like a leave). */
  tick(nowMs: number): void {
    for (const [groupId, g] of [...this.groups]) {
      const due = [...g.members.values()].some((m) => nowMs >= m.sessionDeadlineMs || (m.rebalanceDeadlineMs !== null && nowMs >= m.rebalanceDeadlineMs));
      if (!due) continue;
      this.apply(
        groupId,
        (grp) => {
          const fenced = grp.expireMembers(nowMs);
          if (fenced.length > 0) this.log.info("fenced consumer group members", { group: groupId, members: fenced, groupEpoch: grp.groupEpoch });
        },
        () => undefined,
      );
    }
  }

  /** A topic was created, deleted or grew: groups subscribed to it get a new group epoch. */
  topicsChanged(nowMs: number): void {
    const topics = this.topics();
    for (const groupId of [...this.groups.keys()]) this.apply(groupId, (g) => void g.refreshMetadata(topics, nowMs), () => undefined);
  }

  /**
   * OffsetCommit's check for a consumer group: null when `groupId` is not one (the classic rules
   * apply), else NONE or the error for every partition. Members of a consumer group must commit with
   * OffsetCommit v9+ (UNSUPPORTED_VERSION before, as Kafka).
   */
  validateCommit(groupId: string, memberId: string, memberEpoch: number, version: number): number | null {
    const g = this.groups.get(groupId);
    if (!g) return null;
    if (memberEpoch < 0 && memberId === "" && g.members.size === 0) return ErrorCode.NONE;
    if (version < 9) return ErrorCode.UNSUPPORTED_VERSION;
    return g.validateMemberEpoch(memberId, memberEpoch);
  }

  /** OffsetFetch's check (v9 member id and epoch); null = not a consumer group or nothing to check. */
  validateFetch(groupId: string, memberId: string | null, memberEpoch: number): number | null {
    const g = this.groups.get(groupId);
    if (!g || memberId === null || memberEpoch < 0) return null;
    return g.validateMemberEpoch(memberId, memberEpoch);
  }

  /** DeleteGroups: null = not a consumer group; NON_EMPTY_GROUP while it has members; else writes the tombstones. */
  deleteGroup(groupId: string): number | null {
    const g = this.groups.get(groupId);
    if (!g) return null;
    if (g.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    const err = this.store.write(groupId, recordsBetween(groupId, g, null));
    if (err === ErrorCode.NONE) this.groups.delete(groupId);
    return err;
  }

  describe(groupId: string, classicExists: boolean): DescribedConsumerGroup {
    const g = this.groups.get(groupId);
    if (!g) {
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: classicExists ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`,
        groupId, groupState: "Dead", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [],
      };
    }
    const topics = this.topics();
    const named = (a: TopicPartitions) =>
      [...a]
        .filter(([, ps]) => ps.size > 0)
        .map(([topicId, ps]) => ({ topicId, topicName: topics.byId(topicId)?.name ?? "", partitions: [...ps].sort((x, y) => x - y) }))
        .sort((x, y) => (x.topicName < y.topicName ? -1 : x.topicName > y.topicName ? 1 : 0));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: g.state,
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      assignorName: g.preferredAssignor(this.config.assignors[0]!),
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: named(m.assigned),
        targetAssignment: named(g.target.get(m.memberId) ?? new Map()),
      })),
    };
  }

  /** Topic names members of the group subscribe to (OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC). */
  subscribedTopics(groupId: string): Set<string> | null {
    const g = this.groups.get(groupId);
    return g ? g.subscribedTopicNames(this.topics()) : null;
  }

  // ------------------------------------------------------------ loading

  /** Rebuilds groups from replayed records (later records win; tombstones delete); members get fresh sessions. */
  restore(records: Iterable<ConsumerGroupRecord>, nowMs: number): number {
    type Acc = { epoch: number | null; metadataHash: bigint; assignmentEpoch: number; assignmentTimestampMs: number; meta: Map<string, MemberMetadata>; target: Map<string, TopicPartitions>; current: Map<string, CurrentAssignment> };
    const acc = new Map<string, Acc>();
    const of = (id: string): Acc => {
      let a = acc.get(id);
      if (!a) acc.set(id, (a = { epoch: null, metadataHash: 0n, assignmentEpoch: 0, assignmentTimestampMs: 0, meta: new Map(), target: new Map(), current: new Map() }));
      return a;
    };
    for (const r of records) {
      const a = of(r.groupId);
      switch (r.type) {
        case 3:
          if (r.value === null) acc.delete(r.groupId);
          else {
            a.epoch = r.value.epoch;
            a.metadataHash = r.value.metadataHash;
          }
          break;
        case 5:
          if (r.value === null) a.meta.delete(r.memberId);
          else a.meta.set(r.memberId, r.value);
          break;
        case 6:
          a.assignmentEpoch = r.value?.assignmentEpoch ?? 0;
          a.assignmentTimestampMs = r.value?.assignmentTimestampMs ?? 0;
          break;
        case 7:
          if (r.value === null) a.target.delete(r.memberId);
          else a.target.set(r.memberId, r.value);
          break;
        case 8:
          if (r.value === null) a.current.delete(r.memberId);
          else a.current.set(r.memberId, r.value);
          break;
      }
    }
    let n = 0;
    for (const [groupId, a] of acc) {
      if (a.epoch === null) continue;
      const g = new ConsumerGroup(groupId, nowMs);
      g.groupEpoch = a.epoch;
      g.assignmentEpoch = a.assignmentEpoch;
      g.assignmentTimestampMs = a.assignmentTimestampMs;
      g.subscriptionMetadata = null;
      g.loadedMetadataHash = a.metadataHash;
      for (const [memberId, meta] of a.meta) {
        const cur = a.current.get(memberId);
        g.members.set(memberId, {
          memberId,
          ...meta,
          subscribedTopicNames: [...meta.subscribedTopicNames].sort(),
          memberEpoch: cur?.memberEpoch ?? 0,
          previousMemberEpoch: cur?.previousMemberEpoch ?? 0,
          state: (cur && cur.state <= 2 ? cur.state : 0) as MemberStateValue,
          assigned: cur?.assigned ?? new Map(),
          pendingRevocation: cur?.pendingRevocation ?? new Map(),
          sessionDeadlineMs: nowMs + this.configOf(groupId).sessionTimeoutMs,
          rebalanceDeadlineMs: cur && cur.state === 1 ? nowMs + meta.rebalanceTimeoutMs : null,
        });
      }
      for (const [memberId, t] of a.target) if (g.members.has(memberId)) g.target.set(memberId, t);
      this.groups.set(groupId, g);
      n++;
    }
    return n;
  }

  /** Drops the groups `which` selects (this broker stopped coordinating them). */
  unload(which: (groupId: string) => boolean): number {
    let n = 0;
    for (const groupId of [...this.groups.keys()]) {
      if (!which(groupId)) continue;
      this.groups.delete(groupId);
      n++;
    }
    return n;
  }
}
