/**
 * The sparse time index of one segment, kept in memory and persisted to `<base>.timeindex`.
 *
 * File format (`<20-digit base offset>.timeindex`): a sequence of 12-byte entries, no header:
 *   timestamp int64 BE | relativeOffset uint32 BE.
 * Each entry records a new running maximum of the segment's batch maxTimestamps and the relative
 * offset of the first batch that reached it (so every batch before that offset has a smaller
 * maxTimestamp). Entries are added alongside offset-index entries when the maximum grew; timestamps
 * strictly increase, offsets never decrease. Never memory-mapped; written at flush, roll and close.
 */
import { floorIndex } from "../native/index.ts";
import { readInt32, readInt64, writeInt32, writeInt64 } from "./batch-header.ts";
import { IndexFile } from "./index-file.ts";

export const TIME_INDEX_ENTRY_BYTES = 12;
const INITIAL_CAPACITY_ENTRIES = 64;

export class TimeIndex extends IndexFile {
  private timestamps = new Float64Array(INITIAL_CAPACITY_ENTRIES);
  private relOffsets = new Uint32Array(INITIAL_CAPACITY_ENTRIES);

  constructor(maxEntries: number) {
    super(maxEntries, TIME_INDEX_ENTRY_BYTES);
  }

  lastTimestamp(): number {
    return this.entryCount > 0 ? this.timestamps[this.entryCount - 1] : -1;
  }

  relOffsetAt(i: number): number {
    return this.relOffsets[i];
  }

  timestampAt(i: number): number {
    return this.timestamps[i];
  }

  /** Adds (timestamp, relOffset) when timestamp is above the last entry; returns whether it did. */
  maybeAppend(timestampMs: number, relOffset: number): boolean {
    const n = this.entryCount;
    if (n > 0 && (timestampMs <= this.timestamps[n - 1] || relOffset < this.relOffsets[n - 1])) return false;
    if (n >= this.maxEntries) return false;
    if (n === this.timestamps.length) this.grow();
    this.timestamps[n] = timestampMs;
    this.relOffsets[n] = relOffset;
    this.entryCount = n + 1;
    return true;
  }

  private grow(): void {
    const capacity = Math.min(this.maxEntries, this.timestamps.length * 2);
    const ts = new Float64Array(capacity);
    ts.set(this.timestamps);
    const rel = new Uint32Array(capacity);
    rel.set(this.relOffsets);
    this.timestamps = ts;
    this.relOffsets = rel;
  }

  /** Relative offset from which to scan for the first batch with maxTimestamp >= targetMs (0 if none). */
  lookupRelOffset(targetMs: number): number {
    const i = floorIndex(this.timestamps, this.entryCount, targetMs);
    return i < 0 ? 0 : this.relOffsets[i];
  }

  /** Drops entries at or past relOffset. */
  truncateToRelOffset(relOffset: number): void {
    let n = this.entryCount;
    while (n > 0 && this.relOffsets[n - 1] >= relOffset) n--;
    this.keep(n);
  }

  protected encodeEntry(bytes: Uint8Array, at: number, i: number): void {
    writeInt64(bytes, at, this.timestamps[i]);
    writeInt32(bytes, at + 8, this.relOffsets[i]);
  }

  /** Parses a time index file; null when corrupt (partial entry or entries out of order). */
  static decode(bytes: Uint8Array, maxEntries: number): TimeIndex | null {
    if (bytes.length % TIME_INDEX_ENTRY_BYTES !== 0) return null;
    const count = bytes.length / TIME_INDEX_ENTRY_BYTES;
    if (count > maxEntries) return null;
    const index = new TimeIndex(maxEntries);
    for (let i = 0; i < count; i++) {
      const ts = readInt64(bytes, i * 12);
      const rel = readInt32(bytes, i * 12 + 8) >>> 0;
      if (!index.maybeAppend(ts, rel)) return null;
    }
    index.persistedCount = count;
    return index;
  }
}
