/**
 * The leader's view of one follower (etcd's Progress): how much of the log it has matched, what to
 * send next, and how to send it.
 *
 *  - probe:     we do not know where the follower's log diverges; send one append per heartbeat
 *               round (or per reply) and backtrack on rejection.
 *  - replicate: the follower is in sync; pipeline appends optimistically, at most `maxInflightMsgs`
 *               unacknowledged at once (the Inflights window).
 *  - snapshot:  a snapshot is on its way; send nothing until it is acknowledged or the wait times
 *               out, then fall back to probe.
 */
import type { NodeId } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** A bounded FIFO of the last indexes of in-flight appends. */
export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (capacity < 1) throw new RangeError("inflight capacity must be at least 1");
    this.buffer = new Array<number>(capacity).fill(0);
  }

  get size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  add(lastIndex: number): void {
    if (this.full()) throw new Error("inflights overflow");
    this.buffer[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  /** Forget every in-flight append whose last index is <= `index` (they are acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.buffer[this.start]! <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  freeFirst(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In probe state: an append is outstanding, wait for its reply or the next heartbeat reply. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot being sent, and ticks spent waiting for it. */
  pendingSnapshotIndex = 0;
  snapshotWaitTicks = 0;
  /** Set by any reply from the follower; cleared by each check-quorum round. */
  recentActive = true;
  readonly inflights: Inflights;

  constructor(
    readonly id: NodeId,
    next: number,
    maxInflightMsgs: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshotIndex = 0;
    this.snapshotWaitTicks = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === "snapshot") {
      const pending = this.pendingSnapshotIndex;
      this.resetState("probe");
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshotIndex = snapshotIndex;
  }

  /** Record an acknowledgement up to `index`. Returns false if it told us nothing new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  /** After an append of entries ending at `lastIndex` has been queued for sending. */
  sentEntries(lastIndex: number): void {
    if (this.state === "replicate") {
      this.next = lastIndex + 1;
      this.inflights.add(lastIndex);
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }
}
