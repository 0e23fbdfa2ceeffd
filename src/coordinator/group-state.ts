/**
 * One classic consumer group: its members and the rebalance state machine of Kafka's group
 * coordinator (Empty -> PreparingRebalance -> CompletingRebalance -> Stable, Dead when deleted).
 * Pure: no clock, no timers, no I/O. Every call takes `nowMs`; `tick(nowMs)` fires the deadlines
 * (session expiry, rebalance timeout, the initial rebalance delay). JoinGroup and SyncGroup answers
 * that must wait are handed to a callback when the group completes the step.
 *
 * Rules (Kafka's classic protocol; KIP-345 static membership, KIP-394 MEMBER_ID_REQUIRED,
 * KIP-814 skipAssignment):
 * - a join without a member id gets one; from JoinGroup v4 it is answered MEMBER_ID_REQUIRED and
 *   the id stays pending until the member joins again with it (or its session timeout passes);
 * - the group rebalances when a member joins, leaves, dies or changes its protocols, or when the
 *   leader re-joins a Stable group; the join completes as soon as every member has rejoined (and no
 *   id is pending) — also when the join that starts the rebalance is itself the last one — or at
 *   the rebalance timeout, which removes members that did not rejoin; an empty group's first
 *   rebalance waits initialRebalanceDelayMs (extended per new member, never past the rebalance
 *   timeout);
 * - the protocol is the one every member supports that most members list first;
 * - the leader's SyncGroup carries every assignment and makes the group Stable once the owner has
 *   stored it (GroupEvents.metadataChanged); a failed store answers every waiting SyncGroup with
 *   the store's error and rebalances;
 * - a static member (group.instance.id) that joins again with an unknown member id replaces its old
 *   member id (the old id is fenced) and, in a Stable group with unchanged protocols, causes no
 *   rebalance;
 * - a member's session expires unless it heartbeats, joins, syncs or commits; a member waiting for
 *   a JoinGroup or SyncGroup answer stays alive.
 */
import { ErrorCode } from "../protocol/errors.ts";

export type GroupStateName = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export interface Protocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader may be told to skip the assignment. */
  supportsSkipAssignment: boolean;
}

export interface JoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: JoinMember[];
  skipAssignment: boolean;
}

export interface SyncRequest {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** The assignment the leader gave it for `assignedGeneration`. */
  assignment: Uint8Array;
  assignedGeneration: number;
  sessionDeadlineMs: number;
  joinWaiter: ((r: JoinResult) => void) | null;
  syncWaiter: ((r: SyncResult) => void) | null;
}

export interface GroupTiming {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxMembersPerGroup: number;
}

/** What the group tells its owner (to persist metadata, to log). */
export interface GroupEvents {
  /**
   * A generation's assignment is about to make the group Stable, a static member was replaced, or
   * the group became Empty: the metadata worth storing. Answers the error code the write gives a
   * client (NONE when stored).
   */
  metadataChanged(group: Group): number;
}

const EMPTY = new Uint8Array(0);

function joinError(errorCode: number, memberId = ""): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId, members: [], skipAssignment: false };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

function sameProtocols(a: Protocol[], b: Protocol[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name) return false;
    if (!Buffer.from(a[i]!.metadata).equals(Buffer.from(b[i]!.metadata))) return false;
  }
  return true;
}

export class Group {
  state: GroupStateName = "Empty";
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Members in join order (Map keeps insertion order; the first becomes leader when needed). */
  readonly members = new Map<string, Member>();
  /** group.instance.id -> member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, with the time they lapse. */
  readonly pendingMembers = new Map<string, number>();
  /** When the current rebalance phase gives up on members that have not joined or synced; 0 = none. */
  rebalanceDeadlineMs = 0;
  /** End of the initial rebalance delay of a group that was empty; 0 = none. */
  initialDelayUntilMs = 0;
  stateTimestampMs: number;

  constructor(
    readonly groupId: string,
    private readonly timing: GroupTiming,
    private readonly newMemberId: (prefix: string) => string,
    private readonly events: GroupEvents,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  private setState(s: GroupStateName, nowMs: number): void {
    this.state = s;
    this.stateTimestampMs = nowMs;
  }

  // ---------------------------------------------------------------- JoinGroup

  join(req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    if (this.state === "Dead") return respond(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (req.sessionTimeoutMs < this.timing.minSessionTimeoutMs || req.sessionTimeoutMs > this.timing.maxSessionTimeoutMs) {
      return respond(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    if (!this.acceptsProtocols(req.protocolType, req.protocols)) {
      return respond(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    if (req.memberId === "") this.joinUnknown(req, nowMs, respond);
    else this.joinKnown(req, nowMs, respond);
  }

  private acceptsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (protocolType === "" || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Protocol names every member supports. */
  private candidateProtocols(): Set<string> {
    let common: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      common = common === null ? names : new Set([...(common as Set<string>)].filter((n: string) => names.has(n)));
    }
    return common ?? new Set();
  }

  private isFull(): boolean {
    return this.members.size + this.pendingMembers.size >= this.timing.maxMembersPerGroup;
  }

  private joinUnknown(req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    if (req.groupInstanceId !== null) {
      const oldId = this.staticMembers.get(req.groupInstanceId);
      const newId = this.newMemberId(req.groupInstanceId);
      if (oldId !== undefined && this.members.has(oldId)) return this.replaceStaticMember(oldId, newId, req, nowMs, respond);
      if (this.isFull()) return respond(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
      return this.addMemberAndRebalance(newId, req, nowMs, respond);
    }
    if (this.isFull()) return respond(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
    const newId = this.newMemberId(req.clientId);
    if (req.requireKnownMemberId) {
      this.pendingMembers.set(newId, nowMs + req.sessionTimeoutMs);
      return respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, newId));
    }
    this.addMemberAndRebalance(newId, req, nowMs, respond);
  }

  private joinKnown(req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    const memberId = req.memberId;
    if (this.pendingMembers.has(memberId)) {
      this.pendingMembers.delete(memberId);
      return this.addMemberAndRebalance(memberId, req, nowMs, respond);
    }
    if (this.isStaticMemberFenced(req.groupInstanceId, memberId)) return respond(joinError(ErrorCode.FENCED_INSTANCE_ID, memberId));
    const member = this.members.get(memberId);
    if (!member) return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    switch (this.state) {
      case "PreparingRebalance":
        this.updateMember(member, req, nowMs, respond);
        this.maybeCompleteJoin(nowMs);
        return;
      case "CompletingRebalance":
        if (sameProtocols(member.protocols, req.protocols)) {
          member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
          return respond(this.joinResultFor(member, false));
        }
        this.updateMember(member, req, nowMs, respond);
        return this.rebalanceOrCompleteJoin(nowMs);
      case "Stable":
        // The leader's join always rebalances: it is how a client asks for a new assignment when
        // only topic metadata changed (a regex matching a new topic, partitions added).
        if (memberId !== this.leaderId && sameProtocols(member.protocols, req.protocols)) {
          member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
          return respond(this.joinResultFor(member, false));
        }
        this.updateMember(member, req, nowMs, respond);
        return this.rebalanceOrCompleteJoin(nowMs);
      default:
        return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
  }

  private updateMember(member: Member, req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    if (member.joinWaiter) member.joinWaiter(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.protocols = req.protocols;
    member.protocolType = req.protocolType;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.sessionDeadlineMs = nowMs + req.sessionTimeoutMs;
    member.joinWaiter = respond;
  }

  private addMemberAndRebalance(memberId: string, req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: EMPTY,
      assignedGeneration: -1,
      sessionDeadlineMs: nowMs + req.sessionTimeoutMs,
      joinWaiter: respond,
      syncWaiter: null,
    };
    if (this.members.size === 0) this.protocolType = req.protocolType;
    this.members.set(memberId, member);
    if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
    if (this.leaderId === null) this.leaderId = memberId;
    if (this.state === "PreparingRebalance") {
      if (this.initialDelayUntilMs > 0) {
        this.initialDelayUntilMs = Math.min(nowMs + this.timing.initialRebalanceDelayMs, this.rebalanceDeadlineMs);
      }
      this.rebalanceDeadlineMs = Math.max(this.rebalanceDeadlineMs, nowMs + member.rebalanceTimeoutMs);
      this.maybeCompleteJoin(nowMs);
    } else {
      this.rebalanceOrCompleteJoin(nowMs);
    }
  }

  private replaceStaticMember(oldId: string, newId: string, req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    const old = this.members.get(oldId)!;
    const protocolsChanged = !sameProtocols(old.protocols, req.protocols);
    if (old.joinWaiter) old.joinWaiter(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    if (old.syncWaiter) old.syncWaiter(syncError(ErrorCode.FENCED_INSTANCE_ID));
    old.joinWaiter = null;
    old.syncWaiter = null;
    this.members.delete(oldId);
    const member: Member = { ...old, memberId: newId };
    this.members.set(newId, member);
    this.staticMembers.set(req.groupInstanceId!, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    switch (this.state) {
      case "Stable":
        if (!protocolsChanged) {
          member.clientId = req.clientId;
          member.clientHost = req.clientHost;
          member.sessionTimeoutMs = req.sessionTimeoutMs;
          member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
          member.sessionDeadlineMs = nowMs + req.sessionTimeoutMs;
          const stored = this.events.metadataChanged(this);
          if (stored !== ErrorCode.NONE) {
            // As Kafka: the replacement is not durable, so it is undone (the old member id stays the
            // member) and the joining instance hears the write's error.
            this.members.delete(newId);
            this.members.set(oldId, old);
            this.staticMembers.set(req.groupInstanceId!, oldId);
            if (this.leaderId === newId) this.leaderId = oldId;
            return respond(joinError(stored));
          }
          const isLeader = newId === this.leaderId;
          return respond(this.joinResultFor(member, isLeader && req.supportsSkipAssignment));
        }
        this.updateMember(member, req, nowMs, respond);
        return this.rebalanceOrCompleteJoin(nowMs);
      default:
        this.updateMember(member, req, nowMs, respond);
        return this.rebalanceOrCompleteJoin(nowMs);
    }
  }

  private isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const mapped = this.staticMembers.get(groupInstanceId);
    return mapped !== undefined && mapped !== memberId;
  }

  /** The join answer for a member of the current generation (the leader gets the members when asked to assign or skip). */
  private joinResultFor(member: Member, skipAssignment: boolean): JoinResult {
    const isLeader = member.memberId === this.leaderId;
    const withMembers = isLeader && (this.state === "CompletingRebalance" || skipAssignment);
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? "",
      memberId: member.memberId,
      members: withMembers ? this.memberList() : [],
      skipAssignment,
    };
  }

  private memberList(): JoinMember[] {
    const out: JoinMember[] = [];
    for (const m of this.members.values()) {
      const p = m.protocols.find((x) => x.name === this.protocolName);
      out.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: p?.metadata ?? EMPTY });
    }
    return out;
  }

  // ---------------------------------------------------------------- rebalance

  private maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  private prepareRebalance(nowMs: number): void {
    if (this.state === "CompletingRebalance") {
      for (const m of this.members.values()) {
        if (m.syncWaiter) m.syncWaiter(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.syncWaiter = null;
      }
    }
    const wasEmpty = this.state === "Empty";
    this.setState("PreparingRebalance", nowMs);
    this.rebalanceDeadlineMs = nowMs + this.maxRebalanceTimeoutMs();
    this.initialDelayUntilMs = wasEmpty && this.timing.initialRebalanceDelayMs > 0
      ? Math.min(nowMs + this.timing.initialRebalanceDelayMs, this.rebalanceDeadlineMs)
      : 0;
  }

  /**
   * Starts a rebalance when the group can start one (Stable, CompletingRebalance, Empty), then
   * completes the join phase at once if every member has joined already (as Kafka's
   * maybePrepareRebalanceOrCompleteJoin). Every path that starts a rebalance goes through here: a
   * join that is the last one the group waits for must never wait for the rebalance timeout.
   * An initial rebalance (from Empty) still waits for its delay.
   */
  private rebalanceOrCompleteJoin(nowMs: number): void {
    const canRebalance = this.state === "Stable" || this.state === "CompletingRebalance" || (this.state === "Empty" && this.members.size > 0);
    if (canRebalance) this.prepareRebalance(nowMs);
    this.maybeCompleteJoin(nowMs);
  }

  private allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return true;
  }

  private maybeCompleteJoin(nowMs: number): void {
    if (this.state !== "PreparingRebalance") return;
    if (this.initialDelayUntilMs > 0) {
      if (nowMs < this.initialDelayUntilMs) return;
      // The initial delay ends the join phase whoever has joined by then (as Kafka's InitialDelayedJoin).
      return this.completeJoin(nowMs);
    }
    if (this.allMembersJoined() || nowMs >= this.rebalanceDeadlineMs) this.completeJoin(nowMs);
  }

  private selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = "";
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  private completeJoin(nowMs: number): void {
    for (const m of [...this.members.values()]) {
      if (!m.joinWaiter) this.dropMember(m);
    }
    this.initialDelayUntilMs = 0;
    this.generationId++;
    if (this.members.size === 0) {
      this.protocolName = null;
      this.leaderId = null;
      this.rebalanceDeadlineMs = 0;
      this.setState("Empty", nowMs);
      this.events.metadataChanged(this);
      return;
    }
    this.protocolName = this.selectProtocol();
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value!;
    this.setState("CompletingRebalance", nowMs);
    this.rebalanceDeadlineMs = nowMs + this.maxRebalanceTimeoutMs();
    for (const m of this.members.values()) {
      m.assignment = EMPTY;
      m.assignedGeneration = -1;
      m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
      const respond = m.joinWaiter!;
      m.joinWaiter = null;
      respond(this.joinResultFor(m, false));
    }
  }

  /** Removes a member without starting a rebalance (the caller decides). */
  private dropMember(m: Member): void {
    if (m.joinWaiter) m.joinWaiter(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    if (m.syncWaiter) m.syncWaiter(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    m.joinWaiter = null;
    m.syncWaiter = null;
    this.members.delete(m.memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === m.memberId) this.staticMembers.delete(m.groupInstanceId);
    if (this.leaderId === m.memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  private removeMemberAndRebalance(m: Member, nowMs: number): void {
    this.dropMember(m);
    this.rebalanceOrCompleteJoin(nowMs);
  }

  // ---------------------------------------------------------------- SyncGroup

  sync(req: SyncRequest, nowMs: number, respond: (r: SyncResult) => void): void {
    if (this.state === "Dead") return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (this.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return respond(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = this.members.get(req.memberId);
    if (!member) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== this.generationId) return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((req.protocolType !== null && req.protocolType !== this.protocolType) || (req.protocolName !== null && req.protocolName !== this.protocolName)) {
      return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (this.state) {
      case "PreparingRebalance":
        return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case "CompletingRebalance": {
        if (member.syncWaiter) member.syncWaiter(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.syncWaiter = respond;
        member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
        if (req.memberId !== this.leaderId) return;
        const given = new Map<string, Uint8Array>();
        for (const a of req.assignments) given.set(a.memberId, a.assignment);
        for (const m of this.members.values()) {
          m.assignment = given.get(m.memberId) ?? EMPTY;
          m.assignedGeneration = this.generationId;
        }
        // As Kafka: the group is Stable only once its assignment is stored. When the write fails
        // nobody gets an assignment: every waiting SyncGroup hears the write's error, and the group
        // rebalances (members re-join and the leader assigns again).
        const stored = this.events.metadataChanged(this);
        if (stored !== ErrorCode.NONE) {
          for (const m of this.members.values()) {
            m.assignment = EMPTY;
            m.assignedGeneration = -1;
            const waiter = m.syncWaiter;
            m.syncWaiter = null;
            waiter?.(syncError(stored));
          }
          this.rebalanceOrCompleteJoin(nowMs);
          return;
        }
        this.rebalanceDeadlineMs = 0;
        this.setState("Stable", nowMs);
        for (const m of this.members.values()) {
          const waiter = m.syncWaiter;
          m.syncWaiter = null;
          waiter?.(this.syncResultFor(m));
        }
        return;
      }
      case "Stable":
        member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
        return respond(this.syncResultFor(member));
      default:
        return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private syncResultFor(m: Member): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: m.assignment };
  }

  // ---------------------------------------------------------------- Heartbeat, LeaveGroup, commits

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number, nowMs: number): number {
    if (this.state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (groupInstanceId !== null && !this.staticMembers.has(groupInstanceId)) return ErrorCode.UNKNOWN_MEMBER_ID; // an instance id no member has, as Kafka
    const member = this.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    return this.state === "PreparingRebalance" ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** One member of a LeaveGroup (v3+ sends several); `memberId` may be "" when the instance id names it. */
  leave(memberId: string, groupInstanceId: string | null, nowMs: number): number {
    if (this.state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (groupInstanceId !== null) {
      const mapped = this.staticMembers.get(groupInstanceId);
      if (mapped === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== "" && memberId !== mapped) return ErrorCode.FENCED_INSTANCE_ID;
      const m = this.members.get(mapped);
      if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMemberAndRebalance(m, nowMs);
      return ErrorCode.NONE;
    }
    if (this.pendingMembers.delete(memberId)) {
      this.maybeCompleteJoin(nowMs);
      return ErrorCode.NONE;
    }
    const m = this.members.get(memberId);
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMemberAndRebalance(m, nowMs);
    return ErrorCode.NONE;
  }

  /**
   * Whether an OffsetCommit from this member may be stored. Generation -1 with no member id is a
   * client that assigns partitions itself: allowed only while the group has no members.
   */
  validateCommit(memberId: string, groupInstanceId: string | null, generationId: number, nowMs: number): number {
    if (this.state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId >= 0 || memberId !== "" || groupInstanceId !== null) {
      if (this.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      const member = this.members.get(memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
      if (this.state === "CompletingRebalance") return ErrorCode.REBALANCE_IN_PROGRESS;
      member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
      return ErrorCode.NONE;
    }
    return this.state === "Empty" ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * TxnOffsetCommit's check (Kafka's validateOffsetCommit with isTransactional): generation -1 in an
   * Empty group is accepted; a member id, instance id or generation must name a current member of
   * this generation (FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION); without any of
   * them (TxnOffsetCommit v0-2 carry none) the commit is accepted whatever the state. Unlike a
   * plain commit it neither waits for a rebalance to complete nor keeps the member's session alive.
   */
  validateTxnCommit(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && this.state === "Empty") return ErrorCode.NONE;
    if (generationId >= 0 || memberId !== "" || groupInstanceId !== null) {
      if (this.isStaticMemberFenced(groupInstanceId, memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (!this.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    }
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- clock

  /** Fires every deadline that `nowMs` has reached. */
  tick(nowMs: number): void {
    if (this.state === "Dead") return;
    let pendingLapsed = false;
    for (const [id, deadline] of this.pendingMembers) {
      if (nowMs >= deadline) {
        this.pendingMembers.delete(id);
        pendingLapsed = true;
      }
    }
    for (const m of [...this.members.values()]) {
      if (!this.members.has(m.memberId)) continue;
      if (m.joinWaiter || m.syncWaiter) continue;
      if (nowMs >= m.sessionDeadlineMs) this.removeMemberAndRebalance(m, nowMs);
    }
    if (this.state === "PreparingRebalance") {
      if (nowMs >= this.rebalanceDeadlineMs) this.completeJoin(nowMs);
      else if (pendingLapsed || this.initialDelayUntilMs > 0) this.maybeCompleteJoin(nowMs);
    } else if (this.state === "CompletingRebalance" && this.rebalanceDeadlineMs > 0 && nowMs >= this.rebalanceDeadlineMs) {
      // Members that did not sync within the rebalance timeout are removed and the group rebalances.
      for (const m of [...this.members.values()]) if (!m.syncWaiter) this.dropMember(m);
      this.rebalanceOrCompleteJoin(nowMs);
    }
  }

  /** Deletes the group: every waiting member is told it is unknown. */
  markDead(nowMs: number): void {
    for (const m of [...this.members.values()]) this.dropMember(m);
    this.pendingMembers.clear();
    this.setState("Dead", nowMs);
  }

  /** Restores a group from its stored metadata (at start): members resume with fresh sessions. */
  restore(meta: {
    protocolType: string;
    generationId: number;
    protocolName: string | null;
    leaderId: string | null;
    members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; rebalanceTimeoutMs: number; sessionTimeoutMs: number; subscription: Uint8Array; assignment: Uint8Array }[];
  }, nowMs: number): void {
    this.generationId = meta.generationId;
    this.protocolType = meta.protocolType === "" ? null : meta.protocolType;
    this.members.clear();
    this.staticMembers.clear();
    for (const sm of meta.members) {
      this.members.set(sm.memberId, {
        memberId: sm.memberId,
        groupInstanceId: sm.groupInstanceId,
        clientId: sm.clientId,
        clientHost: sm.clientHost,
        sessionTimeoutMs: sm.sessionTimeoutMs,
        rebalanceTimeoutMs: sm.rebalanceTimeoutMs,
        protocolType: meta.protocolType,
        protocols: [{ name: meta.protocolName ?? "", metadata: sm.subscription }],
        assignment: sm.assignment,
        assignedGeneration: meta.generationId,
        sessionDeadlineMs: nowMs + sm.sessionTimeoutMs,
        joinWaiter: null,
        syncWaiter: null,
      });
      if (sm.groupInstanceId !== null) this.staticMembers.set(sm.groupInstanceId, sm.memberId);
    }
    if (this.members.size > 0 && meta.protocolName !== null) {
      this.protocolName = meta.protocolName;
      this.leaderId = meta.leaderId !== null && this.members.has(meta.leaderId) ? meta.leaderId : this.members.keys().next().value!;
      this.setState("Stable", nowMs);
    } else {
      this.members.clear();
      this.staticMembers.clear();
      this.protocolName = null;
      this.leaderId = null;
      this.setState("Empty", nowMs);
    }
  }
}
