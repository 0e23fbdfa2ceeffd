/**
 * One KIP-848 consumer group: its members with their member epochs, the group epoch, the target
 * assignment and its epoch, and the reconciliation that moves each member from its current
 * assignment to its target. Pure: no timers, no I/O; time comes in as `nowMs` and topic metadata
 * through a TopicsView. The coordinator (coordinator.ts) validates requests, persists what changed
 * and undoes a change whose write failed (clone()).
 *
 * Epochs (as Kafka's GroupMetadataManager):
 * - the group epoch goes up by one whenever the group's members or their subscriptions change, or the
 *   metadata of a subscribed topic (created, deleted, partitions added) changes;
 * - the target assignment is computed by the group's assignor when the group epoch is ahead of the
 *   assignment epoch, which then becomes the group epoch;
 * - a member's epoch moves to the assignment epoch once it holds no partition it must give up.
 *
 * Reconciliation (Kafka's CurrentAssignmentBuilder), per member on its heartbeat:
 * - STABLE at the assignment epoch: nothing to do.
 * - partitions it owns but the target does not give it -> UNREVOKED_PARTITIONS: it keeps only the
 *   ones still in its target, the others are pending revocation and stay its own (no one else gets
 *   them) until a heartbeat's owned partitions no longer list them, or it is fenced (rebalance
 *   timeout, session timeout, leave). Its epoch stays.
 * - nothing to revoke: it gets the target partitions no other member holds (assigned or pending
 *   revocation) and the assignment epoch; the ones still held elsewhere leave it UNRELEASED_PARTITIONS
 *   until they are freed.
 * So no partition is ever assigned to two members, and one is given to a new owner only after its
 * previous owner revoked it or was fenced (test/coordinator/consumer-group.test.ts checks both).
 */
import {
  copyPartitions,
  countPartitions,
  emptyPartitions,
  hasPartition,
  intersects,
  samePartitions,
  type TopicPartitions,
} from "./assignment.ts";
import { ASSIGNORS, type AssignorMember } from "./assignors.ts";
import type { ConsumerGroupConfig } from "./config.ts";
import { compileTopicRegex } from "./regex.ts";

export const MemberState = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2 } as const;
export type MemberStateValue = (typeof MemberState)[keyof typeof MemberState];

/** The epoch a static member leaves with (it may come back under the same instance id). */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;

export interface TopicMeta {
  id: string;
  name: string;
  partitions: number;
}

/** The topics a group sees (the metadata image): internal topics are left out of all(). */
export interface TopicsView {
  byName(name: string): TopicMeta | undefined;
  byId(id: string): TopicMeta | undefined;
  all(): Iterable<TopicMeta>;
}

export interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberStateValue;
  /** Partitions the member owns and may keep. */
  assigned: TopicPartitions;
  /** Partitions the member owns but must give up (UNREVOKED_PARTITIONS). */
  pendingRevocation: TopicPartitions;
  /** Not persisted: when the member is fenced for silence. */
  sessionDeadlineMs: number;
  /** Not persisted: when a member that must revoke is fenced for not doing it (null: nothing to revoke). */
  rebalanceDeadlineMs: number | null;
}

export type ConsumerGroupState = "Empty" | "Assigning" | "Reconciling" | "Stable";

/** What one heartbeat carries, after the coordinator validated it. */
export interface MemberHeartbeat {
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** The partitions the member owns now; null = unchanged since its last heartbeat. */
  owned: TopicPartitions | null;
  clientId: string;
  clientHost: string;
}

export interface HeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** The member's assignment, when it must hear it (joined, full request, or changed). */
  assignment: TopicPartitions | null;
}

/** Error codes the model answers (Kafka's numbers; kept here so the model imports nothing above it). */
export const E = {
  NONE: 0,
  UNKNOWN_MEMBER_ID: 25,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  STALE_MEMBER_EPOCH: 113,
} as const;

/**
 * The subscribed topics' metadata as one 64-bit number (FNV-1a over the "id:partitions" list), kept
 * in ConsumerGroupMetadata's metadata_hash so a reloaded group knows whether its topics changed
 * while it was not loaded. (Kafka hashes differently; a mismatch only costs one new group epoch.)
 */
export function metadataHash(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return BigInt.asIntN(64, h);
}

function copyMember(m: ConsumerMember): ConsumerMember {
  return { ...m, subscribedTopicNames: [...m.subscribedTopicNames], assigned: copyPartitions(m.assigned), pendingRevocation: copyPartitions(m.pendingRevocation) };
}

export class ConsumerGroup {
  groupEpoch = 0;
  assignmentEpoch = 0;
  /** When the target assignment was last computed (TargetAssignmentMetadata's assignment_timestamp). */
  assignmentTimestampMs = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** memberId -> target assignment. */
  target = new Map<string, TopicPartitions>();
  /** The subscribed topics' metadata as last seen (null: not known yet, e.g. just loaded). */
  subscriptionMetadata: string | null = "";
  /** A reloaded group: the metadata_hash its last ConsumerGroupMetadata record carried. */
  loadedMetadataHash: bigint | null = null;
  stateTimestampMs: number;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  clone(): ConsumerGroup {
    const g = new ConsumerGroup(this.groupId, this.stateTimestampMs);
    g.groupEpoch = this.groupEpoch;
    g.assignmentEpoch = this.assignmentEpoch;
    g.assignmentTimestampMs = this.assignmentTimestampMs;
    for (const [id, m] of this.members) g.members.set(id, copyMember(m));
    for (const [id, t] of this.target) g.target.set(id, copyPartitions(t));
    g.subscriptionMetadata = this.subscriptionMetadata;
    g.loadedMetadataHash = this.loadedMetadataHash;
    return g;
  }

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return "Empty";
    if (this.groupEpoch > this.assignmentEpoch) return "Assigning";
    for (const m of this.members.values()) if (m.memberEpoch !== this.assignmentEpoch || m.state !== MemberState.STABLE) return "Reconciling";
    return "Stable";
  }

  staticMember(instanceId: string): ConsumerMember | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m;
    return undefined;
  }

  /** The assignor the group uses: the one most members ask for, else the default (Kafka's rule). */
  preferredAssignor(defaultAssignor: string): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) if (m.serverAssignor) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = defaultAssignor;
    let n = 0;
    for (const [a, c] of [...votes].sort(([x], [y]) => (x < y ? -1 : 1))) if (c > n) [best, n] = [a, c];
    return best;
  }

  /** Topic ids a member subscribes to now (by name, or by its regex over the non-internal topics). */
  subscribedTopicIds(m: ConsumerMember, topics: TopicsView): Set<string> {
    const ids = new Set<string>();
    for (const name of m.subscribedTopicNames) {
      const t = topics.byName(name);
      if (t) ids.add(t.id);
    }
    if (m.subscribedTopicRegex !== null) {
      const r = compileTopicRegex(m.subscribedTopicRegex);
      if (r.ok) for (const t of topics.all()) if (r.regex.test(t.name)) ids.add(t.id);
    }
    return ids;
  }

  /** Names of every topic some member subscribes to (OffsetDelete refuses those). */
  subscribedTopicNames(topics: TopicsView): Set<string> {
    const names = new Set<string>();
    for (const m of this.members.values()) {
      for (const n of m.subscribedTopicNames) names.add(n);
      for (const id of this.subscribedTopicIds(m, topics)) {
        const t = topics.byId(id);
        if (t) names.add(t.name);
      }
    }
    return names;
  }

  private metadataOf(topics: TopicsView): string {
    const all = new Set<string>();
    for (const m of this.members.values()) for (const id of this.subscribedTopicIds(m, topics)) all.add(id);
    return [...all]
      .sort()
      .map((id) => `${id}:${topics.byId(id)?.partitions ?? 0}`)
      .join(",");
  }

  private bumpGroupEpoch(nowMs: number): void {
    this.groupEpoch++;
    this.stateTimestampMs = nowMs;
  }

  /** Bumps the group epoch when a subscribed topic was created, deleted or grew. Returns whether it did. */
  refreshMetadata(topics: TopicsView, nowMs: number): boolean {
    const now = this.metadataOf(topics);
    if (now === this.subscriptionMetadata) return false;
    if (this.subscriptionMetadata === null && this.loadedMetadataHash !== null && metadataHash(now) === this.loadedMetadataHash) {
      this.subscriptionMetadata = now; // reloaded, and its topics are as they were
      return false;
    }
    const known = this.subscriptionMetadata !== null;
    this.subscriptionMetadata = now;
    if (!known && this.members.size === 0) return false;
    this.bumpGroupEpoch(nowMs);
    return true;
  }

  /** The metadata_hash to store with the group epoch. */
  get currentMetadataHash(): bigint {
    return this.subscriptionMetadata !== null ? metadataHash(this.subscriptionMetadata) : (this.loadedMetadataHash ?? 0n);
  }

  /** Computes the target assignment for the group epoch when it is behind. */
  maybeComputeTarget(topics: TopicsView, defaultAssignor: string, nowMs: number): void {
    if (this.assignmentEpoch >= this.groupEpoch) return;
    const assignor = ASSIGNORS.get(this.preferredAssignor(defaultAssignor)) ?? ASSIGNORS.get(defaultAssignor)!;
    const members: AssignorMember[] = [...this.members.values()].map((m) => ({ memberId: m.memberId, topics: this.subscribedTopicIds(m, topics) }));
    const topicCounts = new Map<string, number>();
    for (const m of members) for (const id of m.topics) topicCounts.set(id, topics.byId(id)?.partitions ?? 0);
    this.target = assignor({ members, topics: topicCounts, previous: this.target });
    this.assignmentEpoch = this.groupEpoch;
    this.assignmentTimestampMs = nowMs;
  }

  /** Whether a partition is held (assigned or pending revocation) by a member other than `memberId`. */
  heldByOther(memberId: string, topicId: string, p: number): boolean {
    for (const m of this.members.values()) {
      if (m.memberId === memberId) continue;
      if (hasPartition(m.assigned, topicId, p) || hasPartition(m.pendingRevocation, topicId, p)) return true;
    }
    return false;
  }

  /** Moves a member one step towards its target (see the file comment). */
  reconcile(m: ConsumerMember, owned: TopicPartitions | null, nowMs: number): void {
    if (m.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return;
    if (m.state === MemberState.UNREVOKED_PARTITIONS) {
      if (owned === null || intersects(owned, m.pendingRevocation)) return;
      m.pendingRevocation = emptyPartitions();
    } else if (m.state === MemberState.STABLE && m.memberEpoch === this.assignmentEpoch) {
      return;
    }
    const target = this.target.get(m.memberId) ?? emptyPartitions();
    const keep = emptyPartitions();
    const revoke = emptyPartitions();
    for (const [t, ps] of m.assigned) {
      for (const p of ps) {
        const into = hasPartition(target, t, p) ? keep : revoke;
        let s = into.get(t);
        if (!s) into.set(t, (s = new Set()));
        s.add(p);
      }
    }
    if (countPartitions(revoke) > 0) {
      m.assigned = keep;
      m.pendingRevocation = revoke;
      m.state = MemberState.UNREVOKED_PARTITIONS;
      m.rebalanceDeadlineMs = nowMs + m.rebalanceTimeoutMs;
      return;
    }
    let unreleased = false;
    for (const [t, ps] of target) {
      for (const p of ps) {
        if (hasPartition(keep, t, p)) continue;
        if (this.heldByOther(m.memberId, t, p)) {
          unreleased = true;
          continue;
        }
        let s = keep.get(t);
        if (!s) keep.set(t, (s = new Set()));
        s.add(p);
      }
    }
    m.assigned = keep;
    m.state = unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
    m.rebalanceDeadlineMs = null;
    if (m.memberEpoch !== this.assignmentEpoch) {
      m.previousMemberEpoch = m.memberEpoch;
      m.memberEpoch = this.assignmentEpoch;
    }
  }

  /** Removes a member (left, or fenced): its partitions are free at once. */
  removeMember(memberId: string, nowMs: number): void {
    if (!this.members.delete(memberId)) return;
    this.target.delete(memberId);
    this.bumpGroupEpoch(nowMs);
  }

  /**
   * One heartbeat of a member, already validated by the coordinator (request shape, assignor,
   * regex). Returns the answer; the coordinator persists what changed.
   */
  heartbeat(req: MemberHeartbeat, nowMs: number, topics: TopicsView, cfg: ConsumerGroupConfig, newMemberId: () => string): HeartbeatResult {
    const fail = (errorCode: number, errorMessage: string): HeartbeatResult => ({ errorCode, errorMessage, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null });
    if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.leave(req, nowMs, fail);

    let m: ConsumerMember | undefined;
    let isNew = false;
    if (req.instanceId !== null) {
      const existing = this.staticMember(req.instanceId);
      if (req.memberEpoch === 0) {
        if (existing && existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH && existing.memberId !== req.memberId) {
          return fail(E.UNRELEASED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`);
        }
        if (existing) {
          // The instance comes back: the new member id takes over its epoch and assignment.
          this.members.delete(existing.memberId);
          const memberId = req.memberId || newMemberId();
          const target = this.target.get(existing.memberId);
          this.target.delete(existing.memberId);
          if (target) this.target.set(memberId, target);
          const epoch = existing.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH ? existing.previousMemberEpoch : existing.memberEpoch;
          m = { ...existing, memberId, memberEpoch: Math.max(0, epoch), previousMemberEpoch: Math.max(0, epoch) };
          this.members.set(memberId, m);
        }
      } else {
        if (!existing) return fail(E.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
        if (existing.memberId !== req.memberId) return fail(E.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${existing.memberId}.`);
        m = existing;
      }
    } else if (req.memberEpoch === 0) {
      // A known dynamic member joining at epoch 0 has given up everything (it was fenced or lost its
      // state): it starts again as a new member with the same id.
      if (req.memberId !== "" && this.members.has(req.memberId)) this.removeMember(req.memberId, nowMs);
    } else {
      m = this.members.get(req.memberId);
      if (!m) return fail(E.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${this.groupId}.`);
    }

    if (m && req.memberEpoch !== 0) {
      if (req.memberEpoch > m.memberEpoch) return fail(E.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      if (req.memberEpoch < m.memberEpoch) {
        const ownedOk = req.owned !== null && [...req.owned].every(([t, ps]) => [...ps].every((p) => hasPartition(m!.assigned, t, p)));
        if (req.memberEpoch !== m.previousMemberEpoch || !ownedOk) {
          return fail(E.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${req.memberEpoch}) than the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
        }
      }
    }

    if (!m) {
      if (this.members.size >= cfg.maxSize) return fail(E.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${cfg.maxSize} members.`);
      isNew = true;
      const memberId = req.memberId || newMemberId();
      m = {
        memberId,
        instanceId: req.instanceId,
        rackId: req.rackId,
        clientId: req.clientId,
        clientHost: req.clientHost,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        subscribedTopicNames: [],
        subscribedTopicRegex: null,
        serverAssignor: null,
        memberEpoch: 0,
        previousMemberEpoch: 0,
        state: MemberState.STABLE,
        assigned: emptyPartitions(),
        pendingRevocation: emptyPartitions(),
        sessionDeadlineMs: nowMs + cfg.sessionTimeoutMs,
        rebalanceDeadlineMs: null,
      };
      this.members.set(memberId, m);
    }

    // Subscription and member metadata.
    let subscriptionChanged = isNew;
    if (req.subscribedTopicNames !== null) {
      const names = [...new Set(req.subscribedTopicNames)].sort();
      if (names.join("\u0000") !== m.subscribedTopicNames.join("\u0000")) {
        m.subscribedTopicNames = names;
        subscriptionChanged = true;
      }
    }
    // An empty pattern means none (librdkafka sends "" with a topic-list subscription), as Kafka reads it.
    const regex = req.subscribedTopicRegex === "" ? null : req.subscribedTopicRegex;
    if (req.subscribedTopicRegex !== null && regex !== m.subscribedTopicRegex) {
      m.subscribedTopicRegex = regex;
      subscriptionChanged = true;
    }
    if (req.serverAssignor !== null && req.serverAssignor !== m.serverAssignor) {
      m.serverAssignor = req.serverAssignor;
      subscriptionChanged = true;
    }
    if (req.rackId !== null) m.rackId = req.rackId;
    if (req.rebalanceTimeoutMs !== -1) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    m.sessionDeadlineMs = nowMs + cfg.sessionTimeoutMs;

    const assignedBefore = copyPartitions(m.assigned);
    if (subscriptionChanged) {
      this.bumpGroupEpoch(nowMs);
      this.subscriptionMetadata = this.metadataOf(topics);
    } else {
      this.refreshMetadata(topics, nowMs);
    }
    this.maybeComputeTarget(topics, cfg.assignors[0]!, nowMs);
    this.reconcile(m, req.owned, nowMs);

    const full = req.rebalanceTimeoutMs !== -1 && (req.subscribedTopicNames !== null || req.subscribedTopicRegex !== null) && req.owned !== null;
    const tell = req.memberEpoch === 0 || full || !samePartitions(assignedBefore, m.assigned);
    return { errorCode: E.NONE, errorMessage: null, memberId: m.memberId, memberEpoch: m.memberEpoch, heartbeatIntervalMs: cfg.heartbeatIntervalMs, assignment: tell ? copyPartitions(m.assigned) : null };
  }

  private leave(req: MemberHeartbeat, nowMs: number, fail: (code: number, message: string) => HeartbeatResult): HeartbeatResult {
    const done: HeartbeatResult = { errorCode: E.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
    if (req.instanceId !== null) {
      const existing = this.staticMember(req.instanceId);
      if (!existing) return fail(E.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
      if (existing.memberId !== req.memberId) return fail(E.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${existing.memberId}.`);
      if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        // A static member leaving for a while keeps its assignment for the instance's return, until its session expires.
        if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) existing.previousMemberEpoch = existing.memberEpoch;
        existing.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
        return done;
      }
      this.removeMember(existing.memberId, nowMs);
      return done;
    }
    if (!this.members.has(req.memberId)) return fail(E.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${this.groupId}.`);
    this.removeMember(req.memberId, nowMs);
    return done;
  }

  /** Fences members whose session expired, or that did not revoke within their rebalance timeout. Returns the ids fenced. */
  expireMembers(nowMs: number): string[] {
    const fenced: string[] = [];
    for (const m of [...this.members.values()]) {
      const silent = nowMs >= m.sessionDeadlineMs;
      const late = m.state === MemberState.UNREVOKED_PARTITIONS && m.rebalanceDeadlineMs !== null && nowMs >= m.rebalanceDeadlineMs;
      if (silent || late) {
        this.removeMember(m.memberId, nowMs);
        fenced.push(m.memberId);
      }
    }
    return fenced;
  }

  /**
   * OffsetCommit / OffsetFetch by a member: NONE, UNKNOWN_MEMBER_ID, or STALE_MEMBER_EPOCH for any
   * epoch other than the member's (Kafka 4.4 answers a greater one STALE too). A commit with epoch
   * -1 and no member id is accepted only while the group has no members (an admin or a
   * manual-assignment client).
   */
  validateMemberEpoch(memberId: string, memberEpoch: number): number {
    if (memberEpoch < 0 && memberId === "" && this.members.size === 0) return E.NONE;
    const m = this.members.get(memberId);
    if (!m) return E.UNKNOWN_MEMBER_ID;
    return memberEpoch === m.memberEpoch ? E.NONE : E.STALE_MEMBER_EPOCH;
  }
}
