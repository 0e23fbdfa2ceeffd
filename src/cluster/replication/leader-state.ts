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
 *   committed(isr, pe)        the image carries a new ISR (ours or the controller's, e.g. fencing)
 *   proposalFailed()          the controller refused or did not answer: pending cleared, retried later
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
  kind: "shrink" | "expand";
  isr: number[];
  /** The members removed (shrink) or added (expand). */
  changed: number[];
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export class LeaderState {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly epochStartOffset: number;
  replicaLagTimeMaxMs: number;
  private isrNow: number[];
  private partitionEpochNow: number;
  private pendingIsr: number[] | null = null;
  private leo: number;
  private hw: number;
  private readonly followers = new Map<number, FollowerState>();

  constructor(o: LeaderStateInit) {
    this.leaderId = o.leaderId;
    this.leaderEpoch = o.leaderEpoch;
    this.replicas = [...o.replicas];
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

  /** The ISR change to ask the controller for now, or null (header: shrink first, then expand). */
  isrChangeToPropose(nowMs: number): IsrProposal | null {
    if (this.pendingIsr !== null) return null;
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
  }

  proposalFailed(): void {
    this.pendingIsr = null;
    this.recomputeHighWatermark();
  }

  /**
   * The image carries this ISR at this partition epoch. A stale epoch is ignored. Returns true
   * when the HW moved.
   */
  committed(isr: readonly number[], partitionEpoch: number, nowMs: number): boolean {
    if (partitionEpoch < this.partitionEpochNow) return false;
    if (this.pendingIsr !== null && (partitionEpoch > this.partitionEpochNow || sameSet(this.pendingIsr, isr))) this.pendingIsr = null;
    for (const id of isr) {
      const f = this.followers.get(id);
      // A member the controller put back counts as caught up from now (as at become-leader).
      if (f && !this.isrNow.includes(id)) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, nowMs);
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
