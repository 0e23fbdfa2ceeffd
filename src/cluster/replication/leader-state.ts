/**
 * The leader's view of one partition's replication, sans I/O: no sockets, no timers, no disk; the
 * caller passes the time in (`nowMs`) and carries out what the answers say (set the log's high
 * watermark, send an AlterPartition to the controller). The broker drives it from follower Fetch
 * requests and a periodic ISR check (replication-manager.ts); a seeded simulator can drive exactly
 * this code with a simulated clock.
 *
 * ## State
 *   leaderId, leaderEpoch     who leads, since which epoch (from the metadata image)
 *   replicas                  the assigned replicas (leader included)
 *   isr, partitionEpoch       the ISR the controller committed, and its version
 *   pending                   an ISR change proposed to the controller and not yet committed, or null
 *   leaderLogEndOffset        the leader's own log end offset (LEO)
 *   epochStartOffset          the leader's LEO when it became leader in this epoch
 *   highWatermark (HW)        never goes back
 *   per follower:  logEndOffset (-1 unknown), lastCaughtUpMs, lastFetchMs, lastFetchLeaderLogEndOffset
 *
 * ## Transitions
 *   new (become leader)       followers' LEOs unknown (-1); ISR members count as caught up now,
 *                             others never (Kafka's resetReplicaState)
 *   leaderAppended(leo)       the leader's LEO moves; the HW may move (ISR of one)
 *   followerFetched(id, off)  a Fetch from replica `id` at fetch offset `off` means its LEO is `off`.
 *                             It is caught up at this fetch when off >= the leader's LEO now; else it
 *                             caught up at its previous fetch when off >= the leader's LEO at that
 *                             previous fetch (Kafka's lastCaughtUpTime rule). The HW may move.
 *   isrChangeToPropose(now)   with nothing pending: shrink = ISR followers not caught up within
 *                             replicaLagTimeMaxMs are removed; else expand = non-ISR followers whose
 *                             LEO >= HW and >= epochStartOffset are added. The caller sends it and
 *                             calls proposed(isr); the "maximal ISR" (committed ∪ pending) then
 *                             counts for the HW, so a shrink cannot raise the HW before it commits
 *                             and an expansion holds the HW back from the moment it is asked for.
 *   committed(isr, pe)        the image carries a new ISR (ours or the controller's, e.g. fencing);
 *                             a newer partition epoch ends the pending change whatever it was
 *   alterAnswered(answer)     the controller's answer to the request in flight (alterOutcome below)
 *   alterUnanswered()         no answer (timeout, no controller): the pending change is kept and
 *                             isrChangeToPropose() offers the same request again ("retry")
 *   proposalFailed()          the change is known not to be committed: pending cleared
 *
 * ## What decides a proposal's outcome
 * The partition epoch the controller committed, never the fate of one request: a request whose
 * answer was lost may have been committed, and a retried copy of a committed request is refused
 * (INVALID_UPDATE_VERSION). So, as Kafka's Partition/AlterPartitionManager do, the pending change
 * (and the HW it holds back) stays until the image or an answer shows a partition epoch newer than
 * the one it was proposed at (then that committed ISR is adopted), or a refusal at the same epoch
 * says it cannot have been committed (INELIGIBLE_REPLICA, INVALID_REQUEST: then it is dropped).
 * NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH keep it until the image deposes this leader; any
 * other failure is retried with the same partition epoch.
 *
 * ## High watermark
 *   HW = max(HW, min(LEO of every maximal-ISR member)), never above the leader's LEO. A member
 *   whose LEO is not known yet (-1) holds it back. Kafka additionally lets members that lag past
 *   the lag time stop holding it back before the shrink commits; Takhin waits for the commit.
 */

export const DEFAULT_REPLICA_LAG_TIME_MAX_MS = 30_000;
export const UNKNOWN_OFFSET = -1;

export interface FollowerState {
  readonly id: number;
  logEndOffset: number;
  lastCaughtUpMs: number;
  lastFetchMs: number;
  lastFetchLeaderLogEndOffset: number;
}

export interface LeaderStateInit {
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  leaderLogEndOffset: number;
  highWatermark: number;
  nowMs: number;
  replicaLagTimeMaxMs: number;
}

export interface IsrProposal {
  /** "retry": the pending change again, after a request that got no answer. */
  kind: "shrink" | "expand" | "retry";
  isr: number[];
  /** The members removed (shrink) or added (expand). */
  changed: number[];
}

/** What the controller answered to an AlterPartition (alter-partition.ts AlterPartitionAnswer). */
export interface AlterAnswer {
  errorCode: number;
  isr: readonly number[];
  partitionEpoch: number;
  leaderEpoch: number;
}

/** Kafka error codes the outcome rules use (protocol/errors.ts; sans-IO, so repeated here). */
const NONE = 0;
const NOT_LEADER_OR_FOLLOWER = 6;
const INVALID_REQUEST = 42;
const FENCED_LEADER_EPOCH = 74;
const INELIGIBLE_REPLICA = 107;

/**
 * committed: the answer carried a committed ISR newer than ours (adopted); dropped: the change is
 * known not to be committed; kept: the pending change stays until the image decides; retry: send
 * the same request again; stale: nothing was pending (an answer after the image decided).
 */
export type AlterOutcome = "committed" | "dropped" | "kept" | "retry" | "stale";

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export class LeaderState {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  private replicaList: readonly number[];
  readonly epochStartOffset: number;
  replicaLagTimeMaxMs: number;
  private isrNow: number[];
  private partitionEpochNow: number;
  private pendingIsr: number[] | null = null;
  private inFlight = false;
  /** A refusal said "not the leader": no retry; the image decides (deposes us or commits). */
  private awaitImage = false;
  private leo: number;
  private hw: number;
  private readonly followers = new Map<number, FollowerState>();

  constructor(o: LeaderStateInit) {
    this.leaderId = o.leaderId;
    this.leaderEpoch = o.leaderEpoch;
    this.replicaList = [...o.replicas];
    this.isrNow = [...o.isr];
    this.partitionEpochNow = o.partitionEpoch;
    this.leo = o.leaderLogEndOffset;
    this.hw = Math.min(o.highWatermark, o.leaderLogEndOffset);
    this.epochStartOffset = o.leaderLogEndOffset;
    this.replicaLagTimeMaxMs = o.replicaLagTimeMaxMs;
    for (const id of o.replicas) {
      if (id === o.leaderId) continue;
      const inSync = o.isr.includes(id);
      this.followers.set(id, { id, logEndOffset: UNKNOWN_OFFSET, lastCaughtUpMs: inSync ? o.nowMs : -Infinity, lastFetchMs: -Infinity, lastFetchLeaderLogEndOffset: UNKNOWN_OFFSET });
    }
  }

  get highWatermark(): number {
    return this.hw;
  }
  /** The assigned replicas (leader included), as the image has them now. */
  get replicas(): readonly number[] {
    return this.replicaList;
  }

  /**
   * The image changed the replica list in this leader epoch (a reassignment adds replicas; one that
   * removes replicas bumps the leader epoch, so a new LeaderState follows). Added followers start
   * unknown and not caught up, as at become-leader for a replica outside the ISR; removed ones are
   * forgotten. Returns true when the HW moved.
   */
  replicasChanged(replicas: readonly number[]): boolean {
    for (const id of replicas) {
      if (id === this.leaderId || this.followers.has(id)) continue;
      this.followers.set(id, { id, logEndOffset: UNKNOWN_OFFSET, lastCaughtUpMs: -Infinity, lastFetchMs: -Infinity, lastFetchLeaderLogEndOffset: UNKNOWN_OFFSET });
    }
    for (const id of [...this.followers.keys()]) if (!replicas.includes(id)) this.followers.delete(id);
    this.replicaList = [...replicas];
    return this.recomputeHighWatermark();
  }
  get leaderLogEndOffset(): number {
    return this.leo;
  }
  get isr(): readonly number[] {
    return this.isrNow;
  }
  get partitionEpoch(): number {
    return this.partitionEpochNow;
  }
  get pending(): readonly number[] | null {
    return this.pendingIsr;
  }
  /** Committed ISR ∪ the pending proposal: every member the HW must wait for. */
  get maximalIsr(): number[] {
    if (this.pendingIsr === null) return [...this.isrNow];
    return [...new Set([...this.isrNow, ...this.pendingIsr])];
  }
  follower(id: number): Readonly<FollowerState> | undefined {
    return this.followers.get(id);
  }

  /** The leader's log end moved (an append). Returns true when the HW moved. */
  leaderAppended(logEndOffset: number): boolean {
    if (logEndOffset > this.leo) this.leo = logEndOffset;
    return this.recomputeHighWatermark();
  }

  /**
   * A Fetch from follower `id` at `fetchOffset` (its LEO). Returns true when the HW moved; false
   * also for a replica that is not a follower of this partition (the caller refuses it).
   */
  followerFetched(id: number, fetchOffset: number, nowMs: number): boolean {
    const f = this.followers.get(id);
    if (!f) return false;
    const offset = Math.min(fetchOffset, this.leo);
    if (fetchOffset >= this.leo) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, nowMs);
    else if (fetchOffset >= f.lastFetchLeaderLogEndOffset && f.lastFetchMs > -Infinity) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.logEndOffset = offset;
    f.lastFetchMs = nowMs;
    f.lastFetchLeaderLogEndOffset = this.leo;
    return this.recomputeHighWatermark();
  }

  /** Whether follower `id` reached the leader's log end within the lag time (Kafka's isCaughtUp). */
  isCaughtUp(id: number, nowMs: number): boolean {
    const f = this.followers.get(id);
    if (!f) return false;
    return f.logEndOffset === this.leo || nowMs - f.lastCaughtUpMs <= this.replicaLagTimeMaxMs;
  }

  /** Whether an AlterPartition is in flight (sent, neither answered nor given up on). */
  get alterInFlight(): boolean {
    return this.inFlight;
  }

  /**
   * The ISR change to ask the controller for now, or null (header: shrink first, then expand; a
   * pending change whose request got no answer is offered again as "retry", same partition epoch).
   */
  isrChangeToPropose(nowMs: number): IsrProposal | null {
    if (this.inFlight) return null;
    if (this.pendingIsr !== null) return this.awaitImage ? null : { kind: "retry", isr: [...this.pendingIsr], changed: [] };
    const out = this.isrNow.filter((id) => id !== this.leaderId && !this.isCaughtUp(id, nowMs));
    if (out.length > 0) return { kind: "shrink", isr: this.isrNow.filter((id) => !out.includes(id)), changed: out };
    const add: number[] = [];
    for (const f of this.followers.values()) {
      if (this.isrNow.includes(f.id)) continue;
      if (f.logEndOffset >= this.hw && f.logEndOffset >= this.epochStartOffset && this.isCaughtUp(f.id, nowMs)) add.push(f.id);
    }
    if (add.length > 0) return { kind: "expand", isr: [...this.isrNow, ...add].sort((a, b) => a - b), changed: add };
    return null;
  }

  /** The proposal was sent: until it is committed or fails, the maximal ISR counts for the HW. */
  proposed(isr: readonly number[]): void {
    this.pendingIsr = [...isr];
    this.inFlight = true;
  }

  /** The change is known not to be committed: the committed ISR alone counts again. */
  proposalFailed(): void {
    this.pendingIsr = null;
    this.awaitImage = false;
    this.recomputeHighWatermark();
  }

  /** The request in flight got no answer: the pending change is kept and offered again. */
  alterUnanswered(): void {
    this.inFlight = false;
  }

  /** The controller's answer to the request in flight (header: what decides the outcome). */
  alterAnswered(a: AlterAnswer, nowMs: number): AlterOutcome {
    this.inFlight = false;
    const ours = a.leaderEpoch === this.leaderEpoch;
    if (ours && a.partitionEpoch > this.partitionEpochNow) {
      // Committed at a newer partition epoch: ours (NONE), or an earlier copy of ours or another
      // change (a refusal carries the committed state). Either way that is the ISR now.
      this.committed(a.isr, a.partitionEpoch, nowMs);
      return "committed";
    }
    if (this.pendingIsr === null) return "stale";
    if (a.errorCode === NONE) {
      // Nothing to commit (the ISR was already what we asked) at the epoch we have.
      if (ours && a.partitionEpoch === this.partitionEpochNow && sameSet(a.isr, this.pendingIsr)) {
        this.committed(a.isr, a.partitionEpoch, nowMs);
        return "committed";
      }
      return "kept";
    }
    if (a.errorCode === NOT_LEADER_OR_FOLLOWER || a.errorCode === FENCED_LEADER_EPOCH || !ours) {
      this.awaitImage = true;
      return "kept";
    }
    if ((a.errorCode === INELIGIBLE_REPLICA || a.errorCode === INVALID_REQUEST) && a.partitionEpoch === this.partitionEpochNow) {
      this.proposalFailed();
      return "dropped";
    }
    return "retry";
  }

  /**
   * The image carries this ISR at this partition epoch. A stale epoch is ignored. Returns true
   * when the HW moved.
   */
  committed(isr: readonly number[], partitionEpoch: number, nowMs: number): boolean {
    if (partitionEpoch < this.partitionEpochNow) return false;
    if (this.pendingIsr !== null && (partitionEpoch > this.partitionEpochNow || sameSet(this.pendingIsr, isr))) {
      this.pendingIsr = null;
      this.awaitImage = false;
    }
    for (const id of isr) {
      const f = this.followers.get(id);
      // A member the controller put back counts as caught up from now (as at become-leader).
      if (f && !this.isrNow.includes(id)) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, nowMs);
    }
    if (partitionEpoch > this.partitionEpochNow) {
      for (const f of this.followers.values()) {
        // A replica outside the new ISR shows its log end again with a fetch before it can
        // (re)join: it may be cutting a damaged copy (issue 26, corruption-healer.ts), and what
        // it fetched before that no longer holds.
        if (isr.includes(f.id)) continue;
        f.logEndOffset = UNKNOWN_OFFSET;
        f.lastCaughtUpMs = -Infinity;
      }
    }
    this.isrNow = [...isr];
    this.partitionEpochNow = partitionEpoch;
    return this.recomputeHighWatermark();
  }

  private recomputeHighWatermark(): boolean {
    let candidate = this.leo;
    for (const id of this.maximalIsr) {
      if (id === this.leaderId) continue;
      const f = this.followers.get(id);
      if (!f) continue; // not a replica: the controller never commits that
      candidate = Math.min(candidate, f.logEndOffset);
    }
    if (candidate > this.hw) {
      this.hw = candidate;
      return true;
    }
    return false;
  }
}
