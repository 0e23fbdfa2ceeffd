/**
 * One broker's simulated partition log on a simulated disk. The log is in "page cache" as soon as
 * it is appended; an fsync makes a prefix durable. A crash keeps only the durable prefix (and the
 * high-watermark checkpoint written by the last completed fsync); the leader-epoch cache follows
 * the log (entries starting beyond the kept end are dropped), as storage/leader-epoch-cache.ts does
 * on truncation.
 *
 * Disk faults: an fsync takes `flushDelayTicks` to complete (a slow disk makes that long), and may
 * fail; a failed fsync makes the broker crash (Kafka halts a broker whose only log dir fails).
 */
import type { EpochStart } from "../divergence.ts";

export interface Rec {
  epoch: number;
  value: string;
  /** Bit rot at rest (issue 26): this copy's bytes changed on disk; its CRC no longer matches. */
  rot?: true;
}

export class SimLog {
  entries: Rec[] = [];
  epochs: EpochStart[] = [];
  /** Entries below this offset are durable. */
  durable = 0;
  /** The high watermark checkpoint on disk. */
  durableHw = 0;
  /** An fsync in flight: it will make [0, flushTo) durable at tick flushAt. */
  flushTo = -1;
  flushHw = 0;
  flushAt = -1;

  get logEnd(): number {
    return this.entries.length;
  }
  get lastEpoch(): number {
    return this.epochs.length === 0 ? -1 : this.epochs[this.epochs.length - 1]!.epoch;
  }

  /** Records the start of a leader epoch (at become-leader, and at a follower's first record of an epoch). */
  assignEpoch(epoch: number, start: number): void {
    const last = this.epochs[this.epochs.length - 1];
    if (last && last.epoch >= epoch) return;
    this.epochs.push({ epoch, startOffset: start });
  }

  append(r: Rec): number {
    this.assignEpoch(r.epoch, this.entries.length);
    this.entries.push(r);
    return this.entries.length;
  }

  truncateTo(offset: number): void {
    if (offset >= this.entries.length) return;
    this.entries.length = Math.max(0, offset);
    while (this.epochs.length > 0 && this.epochs[this.epochs.length - 1]!.startOffset >= offset) this.epochs.pop();
    if (this.durable > offset) this.durable = offset;
    if (this.flushTo > offset) this.flushTo = offset;
    if (this.durableHw > offset) this.durableHw = offset;
  }

  startFlush(now: number, delay: number, hw: number): void {
    if (this.flushAt >= 0) return;
    this.flushTo = this.entries.length;
    this.flushHw = Math.min(hw, this.flushTo);
    this.flushAt = now + delay;
  }

  /** Completes the fsync due now; returns false when there was none. */
  completeFlush(now: number): boolean {
    if (this.flushAt < 0 || now < this.flushAt) return false;
    this.durable = Math.max(this.durable, Math.min(this.flushTo, this.entries.length));
    this.durableHw = Math.max(this.durableHw, Math.min(this.flushHw, this.durable));
    this.flushAt = -1;
    this.flushTo = -1;
    return true;
  }

  /** A crash: the page cache is gone. Returns the offsets lost [from, to). */
  crash(): { from: number; to: number } {
    const lost = { from: this.durable, to: this.entries.length };
    this.truncateTo(this.durable);
    this.flushAt = -1;
    this.flushTo = -1;
    return lost;
  }
}
