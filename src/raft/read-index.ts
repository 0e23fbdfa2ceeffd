/**
 * Linearizable reads by read index (Raft paper §8, dissertation §6.4). A read is registered with the
 * leader's commit index at the time of the request; it becomes servable once a majority of voters
 * has answered a heartbeat sent *after* the registration (proving the leader was still leader), and
 * the driver then serves it when its state machine has applied that index.
 *
 * Heartbeats carry the newest read sequence number; an answer for sequence s acknowledges every
 * read with sequence <= s. Reads that arrive before the leader has committed an entry of its own
 * term wait (its commit index might still be behind). No lease-based reads: they would need a
 * bounded clock drift that this core cannot know.
 */
import type { NodeId, ReadState } from "./types.ts";

interface PendingRead {
  readonly seq: number;
  readonly requestId: number;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export class ReadIndexQueue {
  private pending: PendingRead[] = [];
  /** Reads waiting for the leader's first commit in its term. */
  private waiting: number[] = [];
  private lastSeq = 0;

  constructor(private readonly maxPendingReads: number) {}

  size(): number {
    return this.pending.length + this.waiting.length;
  }

  isFull(): boolean {
    return this.size() >= this.maxPendingReads;
  }

  /** The sequence heartbeats should carry: the newest registered read, or 0 if none is pending. */
  currentSeq(): number {
    return this.pending.length > 0 ? this.lastSeq : 0;
  }

  wait(requestId: number): void {
    this.waiting.push(requestId);
  }

  /** Register waiting reads (if any) and one new read at `index`; returns the new sequence. */
  register(requestIds: readonly number[], index: number, self: NodeId): number {
    const seq = ++this.lastSeq;
    for (const requestId of requestIds) this.pending.push({ seq, requestId, index, acks: new Set([self]) });
    return seq;
  }

  takeWaiting(): number[] {
    const w = this.waiting;
    this.waiting = [];
    return w;
  }

  /** Record that `from` answered a heartbeat carrying `seq`; return the reads now confirmed. */
  ack(from: NodeId, seq: number, hasQuorum: (acks: ReadonlySet<NodeId>) => boolean): ReadState[] {
    if (seq <= 0) return [];
    for (const r of this.pending) {
      if (r.seq > seq) break;
      r.acks.add(from);
    }
    const released: ReadState[] = [];
    while (this.pending.length > 0 && hasQuorum(this.pending[0]!.acks)) {
      const r = this.pending.shift()!;
      released.push({ requestId: r.requestId, index: r.index });
    }
    return released;
  }

  /** Leadership lost: every pending read is abandoned (its caller must retry elsewhere). */
  clear(): void {
    this.pending = [];
    this.waiting = [];
  }
}
