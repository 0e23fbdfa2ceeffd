/**
 * The in-memory Raft log of one node: the entries after its latest snapshot, the commit and applied
 * indexes, and the bookkeeping that tells the driver what still has to be persisted.
 *
 * Indexes: entries[k] has index snapshotIndex + 1 + k. `persistedIndex` is the highest index known
 * durable in the node's store (acknowledged by advance()); entries from `unstableFrom` on have not
 * been handed to the driver yet. Committed entries are never truncated: an attempt throws, because
 * it would mean the cluster broke Raft's safety.
 */
import { entrySizeBytes, type Entry, type Snapshot } from "./types.ts";

export class RaftLog {
  snapshotIndex = 0;
  snapshotTerm = 0;
  /** Latest snapshot held (needed to bring followers up to date); null until the first compaction. */
  snapshot: Snapshot | null = null;
  /** A snapshot not yet handed to the driver for persistence. */
  pendingSnapshot: Snapshot | null = null;
  private entries: Entry[] = [];
  committed = 0;
  applied = 0;
  persistedIndex = 0;
  unstableFrom = 1;

  /** Rebuild from durable state (a restart). Everything given is already persisted. */
  static restore(snapshot: Snapshot | null, entries: readonly Entry[], commit: number): RaftLog {
    const log = new RaftLog();
    if (snapshot) {
      log.snapshot = snapshot;
      log.snapshotIndex = snapshot.meta.index;
      log.snapshotTerm = snapshot.meta.term;
    }
    let expected = log.snapshotIndex + 1;
    for (const e of entries) {
      if (e.index <= log.snapshotIndex) continue;
      if (e.index !== expected) throw new Error(`stored log has a gap: expected index ${expected}, got ${e.index}`);
      log.entries.push(e);
      expected++;
    }
    log.persistedIndex = log.lastIndex();
    log.unstableFrom = log.lastIndex() + 1;
    log.committed = Math.min(Math.max(commit, log.snapshotIndex), log.lastIndex());
    log.applied = log.snapshotIndex;
    return log;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.term : this.snapshotTerm;
  }

  /** The term of the entry at `index`, or undefined when it is compacted away or beyond the log. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1]!.term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries in [lo, hi] (inclusive), stopping once `maxBytes` is exceeded (always at least one).
   * Requires lo > snapshotIndex.
   */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.snapshotIndex) throw new RangeError(`slice from compacted index ${lo}`);
    const out: Entry[] = [];
    let bytes = 0;
    const end = Math.min(hi, this.lastIndex());
    for (let i = lo; i <= end; i++) {
      const e = this.entries[i - this.snapshotIndex - 1]!;
      bytes += entrySizeBytes(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** Leader path: append new entries at the end of the log. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index !== this.lastIndex() + 1) throw new Error(`append out of order: ${e.index} after ${this.lastIndex()}`);
      this.entries.push(e);
    }
  }

  /** Remove every entry with index >= `from`. Committed entries are untouchable. */
  truncateFrom(from: number): void {
    if (from <= this.committed) {
      throw new Error(`safety violation: truncating committed entry ${from} (commit ${this.committed})`);
    }
    if (from > this.lastIndex()) return;
    this.entries.length = from - this.snapshotIndex - 1;
    this.persistedIndex = Math.min(this.persistedIndex, from - 1);
    this.unstableFrom = Math.min(this.unstableFrom, from);
  }

  /**
   * Follower path (§5.3): given entries that follow a matching (prevIndex, prevTerm), keep what
   * already matches, truncate at the first conflict, append the rest. Returns the index of the last
   * new entry. Returns the first conflicting index through `onTruncate` so callers can revert state.
   */
  mergeFrom(prevIndex: number, entries: readonly Entry[], onTruncate: (from: number) => void): number {
    let k = 0;
    // Skip entries we already hold (or that are inside our snapshot).
    for (; k < entries.length; k++) {
      const e = entries[k]!;
      if (e.index <= this.snapshotIndex) continue;
      const t = this.term(e.index);
      if (t === undefined) break;
      if (t !== e.term) {
        this.truncateFrom(e.index);
        onTruncate(e.index);
        break;
      }
    }
    for (; k < entries.length; k++) {
      const e = entries[k]!;
      if (e.index <= this.snapshotIndex) continue;
      this.append([e]);
    }
    return prevIndex + entries.length;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    if (index > this.lastIndex()) throw new Error(`commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  /** First index of the run of entries with term `term` that ends at `index` (bounded below by the snapshot). */
  firstIndexOfTermAt(index: number): number {
    const term = this.term(index);
    let i = index;
    while (i - 1 > this.snapshotIndex && this.term(i - 1) === term) i--;
    return i;
  }

  /** Largest index <= `from` whose term is <= `term` (terms only grow along a log), or the snapshot index. */
  lastIndexWithTermAtMost(from: number, term: number): number {
    let i = Math.min(from, this.lastIndex());
    while (i > this.snapshotIndex && this.term(i)! > term) i--;
    return i;
  }

  /** Replace the whole log with a snapshot received from the leader (§7). */
  restoreSnapshot(snapshot: Snapshot): void {
    this.entries = [];
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotTerm = snapshot.meta.term;
    this.committed = snapshot.meta.index;
    this.applied = Math.max(this.applied, snapshot.meta.index);
    this.persistedIndex = Math.min(this.persistedIndex, snapshot.meta.index);
    this.unstableFrom = snapshot.meta.index + 1;
  }

  /** Local log compaction: drop entries up to `snapshot.meta.index` (which must be applied). */
  compactTo(snapshot: Snapshot): void {
    const index = snapshot.meta.index;
    if (index <= this.snapshotIndex) return;
    if (index > this.applied) throw new Error(`compact to ${index} beyond applied ${this.applied}`);
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.snapshotIndex = index;
    this.snapshotTerm = snapshot.meta.term;
  }

  /** Entries the driver has not been given for persistence yet. */
  unstableEntries(): Entry[] {
    if (this.unstableFrom > this.lastIndex()) return [];
    return this.entries.slice(this.unstableFrom - this.snapshotIndex - 1);
  }

  /** Committed entries not applied yet, within `maxBytes` (at least one if any). */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied, this.snapshotIndex) + 1;
    const hi = Math.min(this.committed, this.lastIndex());
    if (lo > hi) return [];
    return this.slice(lo, hi, maxBytes);
  }
}
