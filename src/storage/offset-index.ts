/**
 * The sparse offset index of one segment, kept in memory and persisted to `<base>.index`.
 *
 * File format (`<20-digit base offset>.index`): a sequence of 8-byte entries, no header:
 *   relativeOffset uint32 BE (batch baseOffset - segment base offset) | position uint32 BE (byte
 *   position of that batch in the .log file).
 * Entries are strictly increasing in both fields. An entry is added for a batch when more than
 * index.interval.bytes were appended since the previous entry, so every entry points at a batch
 * start. The file is never memory-mapped, so it may be cut or rewritten freely; it is written at
 * flush, roll and close, and a file shorter than the index is still valid (merely sparser).
 */
import { floorIndex } from "../native/index.ts";
import { readInt32, writeInt32 } from "./batch-header.ts";
import { IndexFile } from "./index-file.ts";

export const OFFSET_INDEX_ENTRY_BYTES = 8;
const INITIAL_CAPACITY_ENTRIES = 64;

export class OffsetIndex extends IndexFile {
  private relOffsets = new Uint32Array(INITIAL_CAPACITY_ENTRIES);
  private positions = new Uint32Array(INITIAL_CAPACITY_ENTRIES);

  constructor(maxEntries: number) {
    super(maxEntries, OFFSET_INDEX_ENTRY_BYTES);
  }

  relOffsetAt(i: number): number {
    return this.relOffsets[i];
  }

  positionAt(i: number): number {
    return this.positions[i];
  }

  append(relOffset: number, position: number): void {
    const n = this.entryCount;
    if (n > 0 && (relOffset <= this.relOffsets[n - 1] || position <= this.positions[n - 1])) {
      throw new Error(`offset index entry (${relOffset}, ${position}) not above the last one`);
    }
    if (n >= this.maxEntries) throw new Error("offset index full");
    if (n === this.relOffsets.length) this.grow();
    this.relOffsets[n] = relOffset;
    this.positions[n] = position;
    this.entryCount = n + 1;
  }

  private grow(): void {
    const capacity = Math.min(this.maxEntries, this.relOffsets.length * 2);
    const rel = new Uint32Array(capacity);
    rel.set(this.relOffsets);
    const pos = new Uint32Array(capacity);
    pos.set(this.positions);
    this.relOffsets = rel;
    this.positions = pos;
  }

  /** Index of the last entry whose relative offset is <= relTarget, or -1. */
  floorEntry(relTarget: number): number {
    return floorIndex(this.relOffsets, this.entryCount, relTarget);
  }

  /** Position of the last indexed batch starting at or before relTarget (0 when none). */
  lookupPosition(relTarget: number): number {
    const i = this.floorEntry(relTarget);
    return i < 0 ? 0 : this.positions[i];
  }

  /** Drops entries at or past `position` (after a log truncation). */
  truncateToPosition(position: number): void {
    let n = this.entryCount;
    while (n > 0 && this.positions[n - 1] >= position) n--;
    this.keep(n);
  }

  protected encodeEntry(bytes: Uint8Array, at: number, i: number): void {
    writeInt32(bytes, at, this.relOffsets[i]);
    writeInt32(bytes, at + 4, this.positions[i]);
  }

  /**
   * Parses an index file. Returns null when it is corrupt (a partial entry, entries not strictly
   * increasing, or a position at or past `logSizeLimitBytes`).
   */
  static decode(bytes: Uint8Array, maxEntries: number, logSizeLimitBytes: number): OffsetIndex | null {
    if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return null;
    const count = bytes.length / OFFSET_INDEX_ENTRY_BYTES;
    if (count > maxEntries) return null;
    const index = new OffsetIndex(maxEntries);
    for (let i = 0; i < count; i++) {
      const rel = readInt32(bytes, i * 8) >>> 0;
      const pos = readInt32(bytes, i * 8 + 4) >>> 0;
      if (pos >= logSizeLimitBytes) return null;
      if (i > 0 && (rel <= index.relOffsets[i - 1] || pos <= index.positions[i - 1])) return null;
      index.append(rel, pos);
    }
    index.persistedCount = count;
    return index;
  }
}
