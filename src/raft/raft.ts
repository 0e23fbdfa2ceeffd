/**
 * The Raft state machine of one node. Pure: no clock, disk, socket or Math.random. Inputs are
 * `tick()`, `step(message)` and the proposal/admin calls; outputs are collected in a Ready (see
 * index.ts for the full driver contract). Section references are to the Raft paper ("§5.2") and
 * to Ongaro's dissertation ("diss. §9.6").
 */
import {
  applyConfChange,
  decodeConf,
  EMPTY_CONF,
  encodeConf,
  isMember,
  isVoter,
  quorumMatchIndex,
  quorumSize,
  voteOutcome,
  type ConfChange,
} from "./config.ts";
import { RaftLog } from "./log.ts";
import { Progress } from "./progress.ts";
import type { RandomSource } from "./rand.ts";
import { ReadIndexQueue } from "./read-index.ts";
import {
  NO_NODE,
  type AppendMsg,
  type AppendRespMsg,
  type ConfState,
  type Entry,
  type HardState,
  type HeartbeatMsg,
  type HeartbeatRespMsg,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
  type Role,
  type Snapshot,
  type SnapshotMsg,
  type SoftState,
  type VoteMsg,
  type VoteRespMsg,
} from "./types.ts";

export interface RaftOptions {
  readonly id: NodeId;
  /** Followers wait a random number of ticks in [electionTimeoutTicks, 2*electionTimeoutTicks) (§5.2). */
  readonly electionTimeoutTicks?: number;
  readonly heartbeatTicks?: number;
  /** Pre-vote (diss. §9.6): probe for a majority before incrementing the term. */
  readonly preVote?: boolean;
  /** Check-quorum (diss. §6.2): a leader steps down when it has not heard from a majority for an election timeout. */
  readonly checkQuorum?: boolean;
  /** Byte bound of the entries in one append message (at least one entry is always sent). */
  readonly maxSizePerMsgBytes?: number;
  /** Appends sent to one follower in replicate state and not yet acknowledged. */
  readonly maxInflightMsgs?: number;
  /** Byte bound of committedEntries in one Ready. */
  readonly maxCommittedSizePerReadyBytes?: number;
  /** Leader refuses proposals while this many entries are appended but not committed. */
  readonly maxUncommittedEntries?: number;
  /** Bound of outstanding read-index requests on a leader. */
  readonly maxPendingReads?: number;
  /** A learner is promoted only when it is at most this many entries behind the leader. */
  readonly maxLearnerLagEntries?: number;
  /** The injected randomness; seed it for reproducible runs. */
  readonly random: RandomSource;
}

/** Durable state the node restarts from (what its LogStore returned). */
export interface RaftInitialState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  /**
   * For a brand-new cluster only (empty store): the initial voters. The node then starts with one
   * configuration entry at index 1, term 1, committed — identical on every bootstrapping node.
   * Nodes that join later start empty and learn the configuration from the leader.
   */
  readonly bootstrapVoters?: readonly NodeId[];
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: "not-leader" | "transferring" | "busy" | "invalid"; readonly leader: NodeId; readonly detail?: string };

export type AdminResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export const DEFAULTS = {
  electionTimeoutTicks: 10,
  heartbeatTicks: 1,
  maxSizePerMsgBytes: 1024 * 1024,
  maxInflightMsgs: 256,
  maxCommittedSizePerReadyBytes: 16 * 1024 * 1024,
  maxUncommittedEntries: 10_000,
  maxPendingReads: 4096,
  maxLearnerLagEntries: 64,
} as const;

export class Raft {
  readonly id: NodeId;
  private readonly electionTimeoutTicks: number;
  private readonly heartbeatTicks: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxSizePerMsgBytes: number;
  private readonly maxInflightMsgs: number;
  private readonly maxCommittedSizePerReadyBytes: number;
  private readonly maxUncommittedEntries: number;
  private readonly maxLearnerLagEntries: number;
  private readonly random: RandomSource;

  term = 0;
  vote: NodeId = NO_NODE;
  leader: NodeId = NO_NODE;
  role: Role = "follower";
  readonly log: RaftLog;

  /** Configuration entries present in the log (index > snapshotIndex), oldest first, and the one in the snapshot. */
  private confEntries: { index: number; conf: ConfState }[] = [];
  private snapshotConf: ConfState = EMPTY_CONF;
  conf: ConfState = EMPTY_CONF;

  private progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  leadTransferee: NodeId = NO_NODE;
  private readonly reads: ReadIndexQueue;
  private appendPending = false;

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private outstanding: { lastEntryIndex: number; applied: number; hardState: HardState; snapshotIndex: number } | null = null;

  constructor(options: RaftOptions, initial: RaftInitialState) {
    this.id = options.id;
    if (!Number.isInteger(this.id) || this.id <= 0) throw new RangeError(`node id must be a positive integer, got ${this.id}`);
    this.electionTimeoutTicks = options.electionTimeoutTicks ?? DEFAULTS.electionTimeoutTicks;
    this.heartbeatTicks = options.heartbeatTicks ?? DEFAULTS.heartbeatTicks;
    if (this.heartbeatTicks < 1 || this.electionTimeoutTicks <= this.heartbeatTicks) {
      throw new RangeError("need 1 <= heartbeatTicks < electionTimeoutTicks");
    }
    this.preVote = options.preVote ?? true;
    this.checkQuorum = options.checkQuorum ?? true;
    this.maxSizePerMsgBytes = options.maxSizePerMsgBytes ?? DEFAULTS.maxSizePerMsgBytes;
    this.maxInflightMsgs = options.maxInflightMsgs ?? DEFAULTS.maxInflightMsgs;
    this.maxCommittedSizePerReadyBytes = options.maxCommittedSizePerReadyBytes ?? DEFAULTS.maxCommittedSizePerReadyBytes;
    this.maxUncommittedEntries = options.maxUncommittedEntries ?? DEFAULTS.maxUncommittedEntries;
    this.maxLearnerLagEntries = options.maxLearnerLagEntries ?? DEFAULTS.maxLearnerLagEntries;
    this.reads = new ReadIndexQueue(options.maxPendingReads ?? DEFAULTS.maxPendingReads);
    this.random = options.random;

    const empty = initial.snapshot === null && initial.entries.length === 0 && initial.hardState.term === 0;
    this.prevHardState = initial.hardState;
    if (empty && initial.bootstrapVoters && initial.bootstrapVoters.length > 0) {
      const voters = [...new Set(initial.bootstrapVoters)].sort((a, b) => a - b);
      this.log = new RaftLog();
      this.log.append([{ index: 1, term: 1, kind: "conf", data: encodeConf({ voters, learners: [] }) }]);
      this.log.committed = 1;
      this.term = 1;
      this.prevHardState = { term: 0, vote: NO_NODE, commit: 0 };
    } else {
      this.log = RaftLog.restore(initial.snapshot, initial.entries, initial.hardState.commit);
      this.term = initial.hardState.term;
      this.vote = initial.hardState.vote;
    }
    if (this.log.snapshot) this.snapshotConf = this.log.snapshot.meta.conf;
    for (let i = this.log.firstIndex(); i <= this.log.lastIndex(); i++) {
      const e = this.log.entryAt(i)!;
      if (e.kind === "conf") this.confEntries.push({ index: i, conf: decodeConf(e.data) });
    }
    this.conf = this.latestConf();
    this.resetRandomizedElectionTimeout();
    this.prevSoftState = this.softState();
  }

  // ---------------------------------------------------------------- inspection

  softState(): SoftState {
    return { role: this.role, leader: this.leader };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Whether this node may campaign: it is a voter of its latest configuration. */
  promotable(): boolean {
    return isVoter(this.conf, this.id);
  }

  /** The leader's view of a follower's match index (for tests and status pages). */
  matchOf(id: NodeId): number | undefined {
    return this.progress.get(id)?.match;
  }

  /** The configuration in force at `index` (which must not precede the snapshot). */
  confAt(index: number): ConfState {
    let conf = this.snapshotConf;
    for (const c of this.confEntries) {
      if (c.index > index) break;
      conf = c.conf;
    }
    return conf;
  }

  private latestConf(): ConfState {
    return this.confEntries.length > 0 ? this.confEntries[this.confEntries.length - 1]!.conf : this.snapshotConf;
  }

  // ---------------------------------------------------------------- inputs

  /** Advance logical time by one tick. */
  tick(): void {
    this.assertNoOutstandingReady();
    if (this.role === "leader") this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const pr of this.progress.values()) {
      if (pr.state === "snapshot" && ++pr.snapshotWaitTicks >= 2 * this.electionTimeoutTicks) {
        // The snapshot (or its acknowledgement) was lost: probe again, which resends it if still needed.
        pr.becomeProbe();
      }
    }
    if (this.electionElapsed >= this.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NO_NODE);
        return;
      }
      if (this.leadTransferee !== NO_NODE) this.leadTransferee = NO_NODE;
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.reads.currentSeq());
    }
  }

  /** Start an election now (as if the election timer fired). Useful for tests and bootstrapping. */
  campaign(): void {
    this.assertNoOutstandingReady();
    if (this.role !== "leader") this.hup(false);
  }

  /** Feed a message from a peer. Messages for other nodes or of unknown shape are ignored. */
  step(m: Message): void {
    this.assertNoOutstandingReady();
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const inLease = this.checkQuorum && this.leader !== NO_NODE && this.electionElapsed < this.electionTimeoutTicks;
        // diss. §4.2.3 / §9.6: a node that hears from a live leader ignores disruptive candidates.
        if (inLease && !m.transfer) return;
      }
      if (m.type === "preVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "preVoteResp" && !m.reject) {
        // A granted pre-vote carries the term we would campaign in, not a newer term.
      } else if (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NO_NODE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === "append" || m.type === "heartbeat")) {
        // A stale leader: tell it our term so it steps down (otherwise it could never learn it,
        // since pre-vote stops us from disrupting it with a vote request).
        this.send({ type: "appendResp", from: this.id, to: m.from, term: this.term, index: 0, reject: true, hintIndex: 0, hintTerm: 0 });
      } else if (m.type === "preVote") {
        this.send({ type: "preVoteResp", from: this.id, to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === "vote" || m.type === "preVote") {
      this.handleVoteRequest(m);
      return;
    }

    switch (this.role) {
      case "leader":
        this.stepLeader(m);
        break;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        break;
      case "follower":
        this.stepFollower(m);
        break;
    }
  }

  private handleVoteRequest(m: VoteMsg): void {
    // §5.2: at most one vote per term; §5.4.1: only for a log at least as up to date as ours.
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_NODE && this.leader === NO_NODE) ||
      (m.type === "preVote" && m.term > this.term);
    const respType = m.type === "vote" ? "voteResp" : "preVoteResp";
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === "vote") {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "append":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        break;
      case "heartbeat":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleHeartbeat(m);
        break;
      case "snapshot":
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshot(m);
        break;
      case "timeoutNow":
        // diss. §3.10: the leader asks us to take over; campaign at once, without pre-vote.
        if (this.promotable()) this.hup(true);
        break;
      default:
        break;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case "append":
      case "heartbeat":
      case "snapshot":
        // §5.2: a candidate that hears from a leader of its term returns to follower.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        break;
      case "voteResp":
      case "preVoteResp": {
        if ((m.type === "voteResp") !== (this.role === "candidate")) return;
        this.votes.set(m.from, !m.reject);
        const outcome = voteOutcome(this.conf, this.votes);
        if (outcome === "won") {
          if (this.role === "preCandidate") this.startElection("candidate", false);
          else this.becomeLeader();
        } else if (outcome === "lost") {
          this.becomeFollower(this.term, NO_NODE);
        }
        break;
      }
      default:
        break;
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case "appendResp":
        pr.recentActive = true;
        this.handleAppendResp(pr, m);
        break;
      case "heartbeatResp":
        pr.recentActive = true;
        this.handleHeartbeatResp(pr, m);
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- elections

  private hup(transfer: boolean): void {
    if (!this.promotable()) return;
    if (this.preVote && !transfer) this.startElection("preCandidate", false);
    else this.startElection("candidate", transfer);
  }

  private startElection(role: "preCandidate" | "candidate", transfer: boolean): void {
    let voteTerm: number;
    if (role === "candidate") {
      // §5.2: increment the term, vote for ourselves.
      this.reset(this.term + 1);
      this.vote = this.id;
      voteTerm = this.term;
    } else {
      // Pre-vote: same term and vote, but no longer follow any leader.
      this.reset(this.term);
      voteTerm = this.term + 1;
    }
    this.role = role;
    this.leader = NO_NODE;
    this.votes.set(this.id, true);
    if (voteOutcome(this.conf, this.votes) === "won") {
      if (role === "preCandidate") this.startElection("candidate", false);
      else this.becomeLeader();
      return;
    }
    const type = role === "candidate" ? "vote" : "preVote";
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send({ type, from: this.id, to: id, term: voteTerm, lastIndex: this.log.lastIndex(), lastTerm: this.log.lastTerm(), transfer });
    }
  }

  /** Common reset for a role change; moves to `term` (clearing the vote if the term changes). */
  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.leader = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.votes = new Map();
    this.leadTransferee = NO_NODE;
    this.reads.clear();
    this.appendPending = false;
  }

  private becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.role = "follower";
    this.leader = leader;
    this.progress = new Map();
  }

  private becomeLeader(): void {
    if (this.role !== "candidate") throw new Error("only a candidate becomes leader");
    this.reset(this.term);
    this.role = "leader";
    this.leader = this.id;
    this.progress = new Map();
    this.syncProgressWithConf();
    // §5.4.2 / §8: a new leader appends a no-op of its own term; committing it commits everything before it.
    this.appendEntries([{ index: this.log.lastIndex() + 1, term: this.term, kind: "normal", data: new Uint8Array(0) }]);
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeoutTicks + this.random.nextInt(this.electionTimeoutTicks);
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      if (id === this.id || this.progress.get(id)?.recentActive) active++;
    }
    for (const pr of this.progress.values()) pr.recentActive = pr.id === this.id;
    return active >= quorumSize(this.conf);
  }

  // ---------------------------------------------------------------- replication, follower side

  private handleAppend(m: AppendMsg): void {
    const respond = (index: number, reject: boolean, hintIndex: number, hintTerm: number): void =>
      this.send({ type: "appendResp", from: this.id, to: m.from, term: this.term, index, reject, hintIndex, hintTerm });
    if (m.prevIndex < this.log.committed) {
      // Everything up to our commit index already matches the leader (Log Matching + Leader Completeness).
      respond(this.log.committed, false, 0, 0);
      return;
    }
    if (this.log.matchTerm(m.prevIndex, m.prevTerm)) {
      const lastNew = this.log.mergeFrom(m.prevIndex, m.entries, (from) => this.onTruncate(from));
      for (const e of m.entries) {
        if (e.kind === "conf" && e.index > this.log.snapshotIndex && !this.confEntries.some((c) => c.index === e.index)) {
          this.confEntries.push({ index: e.index, conf: decodeConf(e.data) });
        }
      }
      this.conf = this.latestConf();
      this.log.commitTo(Math.min(m.commit, lastNew));
      respond(lastNew, false, 0, 0);
      return;
    }
    // §5.3 with the accelerated backtracking of §5.3's closing paragraph: report our term at
    // prevIndex and where it starts, so the leader can skip a whole term per round trip.
    if (m.prevIndex > this.log.lastIndex()) {
      respond(m.prevIndex, true, this.log.lastIndex() + 1, 0);
    } else {
      const hintTerm = this.log.term(m.prevIndex)!;
      const hintIndex = Math.max(this.log.firstIndexOfTermAt(m.prevIndex), this.log.committed + 1);
      respond(m.prevIndex, true, hintIndex, hintTerm);
    }
  }

  private onTruncate(from: number): void {
    while (this.confEntries.length > 0 && this.confEntries[this.confEntries.length - 1]!.index >= from) {
      this.confEntries.pop();
    }
    this.conf = this.latestConf();
  }

  private handleHeartbeat(m: HeartbeatMsg): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: "heartbeatResp", from: this.id, to: m.from, term: this.term, readSeq: m.readSeq });
  }

  private handleSnapshot(m: SnapshotMsg): void {
    const s = m.snapshot;
    const respond = (index: number): void =>
      this.send({ type: "appendResp", from: this.id, to: m.from, term: this.term, index, reject: false, hintIndex: 0, hintTerm: 0 });
    if (s.meta.index <= this.log.committed) {
      respond(this.log.committed);
      return;
    }
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold the entry the snapshot ends at: just fast-forward the commit index.
      this.log.commitTo(s.meta.index);
      respond(s.meta.index);
      return;
    }
    // §7: discard the whole log and take the snapshot's state.
    this.log.restoreSnapshot(s);
    this.confEntries = [];
    this.snapshotConf = s.meta.conf;
    this.conf = this.latestConf();
    respond(s.meta.index);
  }

  // ---------------------------------------------------------------- replication, leader side

  private appendEntries(entries: Entry[]): void {
    this.log.append(entries);
    let confChanged = false;
    for (const e of entries) {
      if (e.kind === "conf") {
        this.confEntries.push({ index: e.index, conf: decodeConf(e.data) });
        confChanged = true;
      }
    }
    if (confChanged) {
      this.conf = this.latestConf();
      this.syncProgressWithConf();
    }
    this.appendPending = true;
  }

  /** Add progress for new members and drop it for removed ones (leader only). */
  private syncProgressWithConf(): void {
    if (this.role !== "leader") return;
    for (const id of this.progress.keys()) {
      if (!isMember(this.conf, id)) this.progress.delete(id);
    }
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      const learner = !isVoter(this.conf, id);
      const pr = this.progress.get(id);
      if (pr) {
        pr.isLearner = learner;
      } else {
        const p = new Progress(id, this.log.lastIndex() + 1, this.maxInflightMsgs, learner);
        if (id === this.id) {
          p.match = this.log.persistedIndex;
          p.becomeReplicate();
        }
        this.progress.set(id, p);
      }
    }
    if (this.leadTransferee !== NO_NODE && !isVoter(this.conf, this.leadTransferee)) this.leadTransferee = NO_NODE;
    this.maybeCommit();
  }

  private handleAppendResp(pr: Progress, m: AppendRespMsg): void {
    if (m.reject) {
      if (m.index === 0 && m.hintIndex === 0) return; // a stale-term notice, already handled by the term check
      if (pr.state === "replicate" && m.index <= pr.match) return; // stale
      if (pr.state === "probe" && m.index !== pr.next - 1) return; // stale: not the probe we are waiting on
      if (pr.state === "snapshot") return;
      let next: number;
      if (m.hintTerm === 0) {
        next = m.hintIndex;
      } else {
        // If we hold entries of the follower's conflicting term, resume after our last one of them;
        // otherwise skip the follower's whole run of that term.
        const i = this.log.lastIndexWithTermAtMost(m.index, m.hintTerm);
        next = this.log.term(i) === m.hintTerm ? i + 1 : m.hintIndex;
      }
      next = Math.min(next, m.index);
      pr.becomeProbe();
      pr.next = Math.max(pr.match + 1, next);
      this.sendAppend(pr, true);
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === "probe") pr.becomeReplicate();
      else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshotIndex) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === "replicate") pr.inflights.freeLE(m.index);
      if (this.maybeCommit()) this.appendPending = true;
      else if (wasPaused) this.sendAppend(pr, false);
      this.sendAppendsWhileOpen(pr);
      if (pr.id === this.leadTransferee && pr.match === this.log.lastIndex()) {
        this.send({ type: "timeoutNow", from: this.id, to: pr.id, term: this.term });
      }
    } else if (pr.state === "snapshot" && m.index >= pr.pendingSnapshotIndex) {
      pr.becomeProbe();
      this.sendAppend(pr, false);
    }
  }

  private handleHeartbeatResp(pr: Progress, m: HeartbeatRespMsg): void {
    pr.probeSent = false;
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.match < this.log.lastIndex()) this.sendAppend(pr, true);
    if (m.readSeq > 0 && !pr.isLearner) {
      const released = this.reads.ack(m.from, m.readSeq, (acks) => this.hasVoterQuorum(acks));
      for (const r of released) this.readStates.push(r);
    }
  }

  private hasVoterQuorum(acks: ReadonlySet<NodeId>): boolean {
    let n = 0;
    for (const id of this.conf.voters) if (acks.has(id)) n++;
    return n >= quorumSize(this.conf);
  }

  private sendAppendsWhileOpen(pr: Progress): void {
    // Bounded by the inflight window: each send either adds an inflight or sends nothing.
    for (let i = 0; i < this.maxInflightMsgs && pr.state === "replicate" && pr.next <= this.log.lastIndex(); i++) {
      if (!this.sendAppend(pr, false)) break;
    }
  }

  /** Send the entries from pr.next (or the snapshot if they are compacted). Returns true if a message was queued. */
  private sendAppend(pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.id === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined && prevIndex < this.log.snapshotIndex) {
      return this.sendSnapshot(pr);
    }
    if (prevTerm === undefined) {
      // next beyond our log (cannot happen for a consistent progress); reprobe from match.
      pr.becomeProbe();
      return false;
    }
    const entries = pr.next <= this.log.lastIndex() ? this.log.slice(pr.next, this.log.lastIndex(), this.maxSizePerMsgBytes) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: "append", from: this.id, to: pr.id, term: this.term, prevIndex, prevTerm, entries, commit: this.log.committed });
    if (entries.length > 0) pr.sentEntries(entries[entries.length - 1]!.index);
    else if (pr.state === "probe") pr.probeSent = true;
    return true;
  }

  private sendSnapshot(pr: Progress): boolean {
    const snap = this.log.snapshot;
    if (!snap || !pr.recentActive) return false;
    pr.becomeSnapshot(snap.meta.index);
    this.send({ type: "snapshot", from: this.id, to: pr.id, term: this.term, snapshot: snap });
    return true;
  }

  private broadcastAppend(): void {
    for (const pr of this.progress.values()) {
      if (pr.id === this.id) continue;
      this.sendAppend(pr, true);
      this.sendAppendsWhileOpen(pr);
    }
  }

  private broadcastHeartbeat(readSeq: number): void {
    for (const pr of this.progress.values()) {
      if (pr.id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: "heartbeat", from: this.id, to: pr.id, term: this.term, commit, readSeq });
    }
  }

  /**
   * §5.3/§5.4.2: the commit index advances to the largest index replicated on a majority of voters,
   * but only if that entry is of the current term (Figure 8); earlier entries commit with it.
   */
  private maybeCommit(): boolean {
    if (this.role !== "leader") return false;
    const self = this.progress.get(this.id);
    if (self) self.match = this.log.persistedIndex;
    const index = quorumMatchIndex(this.conf, (id) => this.progress.get(id)?.match ?? 0);
    if (index > this.log.committed && this.log.term(index) === this.term) {
      this.log.commitTo(index);
      this.onLeaderCommit();
      return true;
    }
    return false;
  }

  /** Release reads that waited for the leader's first commit in its term. */
  private onLeaderCommit(): void {
    const waiting = this.reads.takeWaiting();
    if (waiting.length === 0) return;
    this.registerReads(waiting);
  }

  private registerReads(requestIds: readonly number[]): void {
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      for (const requestId of requestIds) this.readStates.push({ requestId, index: this.log.committed });
      return;
    }
    const seq = this.reads.register(requestIds, this.log.committed, this.id);
    this.broadcastHeartbeat(seq);
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }

  // ---------------------------------------------------------------- client calls

  /** Append `data` as a new entry if we are the leader. Committed entries come back in a later Ready. */
  propose(data: Uint8Array): ProposeResult {
    this.assertNoOutstandingReady();
    const refused = this.refuseProposal();
    if (refused) return refused;
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ index, term: this.term, kind: "normal", data }]);
    return { ok: true, index, term: this.term };
  }

  private refuseProposal(): ProposeResult | null {
    if (this.role !== "leader") return { ok: false, reason: "not-leader", leader: this.leader };
    if (this.leadTransferee !== NO_NODE) return { ok: false, reason: "transferring", leader: this.leader };
    if (this.log.lastIndex() - this.log.committed >= this.maxUncommittedEntries) {
      return { ok: false, reason: "busy", leader: this.leader };
    }
    return null;
  }

  /**
   * Propose a single-server membership change (diss. §4.1). Refused unless: the previous
   * configuration entry is committed, this leader has committed an entry of its own term (the fix
   * for the single-server change bug, diss. §4.1 errata), the leader is not the node removed
   * (transfer leadership first), and a promoted learner has caught up.
   */
  proposeConfChange(change: ConfChange): ProposeResult {
    this.assertNoOutstandingReady();
    const refused = this.refuseProposal();
    if (refused) return refused;
    const invalid = (detail: string): ProposeResult => ({ ok: false, reason: "invalid", leader: this.leader, detail });
    const lastConfIndex = this.confEntries.length > 0 ? this.confEntries[this.confEntries.length - 1]!.index : 0;
    if (lastConfIndex > this.log.committed) return invalid("a configuration change is still uncommitted");
    if (this.log.term(this.log.committed) !== this.term) return invalid("leader has not committed an entry in its term yet");
    if (change.kind === "remove" && change.node === this.id) return invalid("cannot remove the leader; transfer leadership first");
    if (change.kind === "promote" || change.kind === "addVoter") {
      const pr = this.progress.get(change.node);
      if (change.kind === "promote" && (!pr || pr.match + this.maxLearnerLagEntries < this.log.lastIndex())) {
        return invalid(`learner ${change.node} has not caught up`);
      }
    }
    const next = applyConfChange(this.conf, change);
    if (typeof next === "string") return invalid(next);
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ index, term: this.term, kind: "conf", data: encodeConf(next) }]);
    return { ok: true, index, term: this.term };
  }

  /** Hand leadership to voter `to` (diss. §3.10): catch it up, then tell it to campaign at once. */
  transferLeadership(to: NodeId): AdminResult {
    this.assertNoOutstandingReady();
    if (this.role !== "leader") return { ok: false, reason: "not-leader" };
    if (to === this.id) return { ok: false, reason: "already leader" };
    if (!isVoter(this.conf, to)) return { ok: false, reason: `node ${to} is not a voter` };
    const pr = this.progress.get(to)!;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.send({ type: "timeoutNow", from: this.id, to, term: this.term });
    else this.sendAppend(pr, true);
    return { ok: true };
  }

  /**
   * Ask for a linearizable read. On success a ReadState with this `requestId` appears in a later
   * Ready; serve the read once the state machine has applied its index. If leadership is lost first
   * the request is silently dropped: callers time out and retry.
   */
  readIndex(requestId: number): AdminResult {
    this.assertNoOutstandingReady();
    if (this.role !== "leader") return { ok: false, reason: "not-leader" };
    if (this.reads.isFull()) return { ok: false, reason: "busy" };
    if (this.log.term(this.log.committed) !== this.term) this.reads.wait(requestId);
    else this.registerReads([requestId]);
    return { ok: true };
  }

  /**
   * Compact the log up to `index` (<= applied) using `data`, the application state at `index`. The
   * snapshot appears in the next Ready for persistence; it is also what lagging followers receive.
   */
  compact(index: number, data: Uint8Array): void {
    this.assertNoOutstandingReady();
    if (index <= this.log.snapshotIndex) return;
    if (index > this.log.applied) throw new RangeError(`cannot compact to ${index}: applied is ${this.log.applied}`);
    const term = this.log.term(index)!;
    const conf = this.confAt(index);
    this.log.compactTo({ meta: { index, term, conf }, data });
    this.snapshotConf = conf;
    this.confEntries = this.confEntries.filter((c) => c.index > index);
  }

  // ---------------------------------------------------------------- Ready / advance

  hasReady(): boolean {
    if (this.outstanding) return false;
    const hs = this.hardState();
    const ss = this.prevSoftState;
    return (
      this.appendPending ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.pendingSnapshot !== null ||
      this.log.unstableFrom <= this.log.lastIndex() ||
      this.log.committed > this.log.applied ||
      hs.term !== this.prevHardState.term ||
      hs.vote !== this.prevHardState.vote ||
      hs.commit !== this.prevHardState.commit ||
      ss.role !== this.role ||
      ss.leader !== this.leader
    );
  }

  /** Collect the pending work. Call `advance(ready)` after handling it; no other call is allowed in between. */
  ready(): Ready {
    this.assertNoOutstandingReady();
    if (this.appendPending && this.role === "leader") this.broadcastAppend();
    this.appendPending = false;
    const hs = this.hardState();
    const hsChanged =
      hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote || hs.commit !== this.prevHardState.commit;
    const ss = this.softState();
    const ssChanged = ss.role !== this.prevSoftState.role || ss.leader !== this.prevSoftState.leader;
    const entries = this.log.unstableEntries();
    const committedEntries = this.log.nextCommittedEntries(this.maxCommittedSizePerReadyBytes);
    const rd: Ready = {
      softState: ssChanged ? ss : null,
      hardState: hsChanged ? hs : null,
      snapshot: this.log.pendingSnapshot,
      entries,
      committedEntries,
      messages: this.msgs,
      readStates: this.readStates,
    };
    this.msgs = [];
    this.readStates = [];
    this.outstanding = {
      lastEntryIndex: this.log.lastIndex(),
      applied: committedEntries.length > 0 ? committedEntries[committedEntries.length - 1]!.index : this.log.applied,
      hardState: hs,
      snapshotIndex: this.log.pendingSnapshot ? this.log.pendingSnapshot.meta.index : 0,
    };
    if (ssChanged) this.prevSoftState = ss;
    return rd;
  }

  /** The Ready returned last has been persisted, its messages sent and its entries applied. */
  advance(): void {
    const o = this.outstanding;
    if (!o) throw new Error("advance() without an outstanding ready()");
    this.outstanding = null;
    this.prevHardState = o.hardState;
    this.log.pendingSnapshot = null;
    this.log.persistedIndex = Math.max(this.log.persistedIndex, o.lastEntryIndex, o.snapshotIndex);
    this.log.unstableFrom = o.lastEntryIndex + 1;
    this.log.applied = Math.max(this.log.applied, o.applied);
    if (this.role === "leader" && this.maybeCommit()) this.appendPending = true;
  }

  private assertNoOutstandingReady(): void {
    if (this.outstanding) throw new Error("call advance() before using the node again");
  }
}
