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
import fs from "node:fs";
import { floorIndex } from "../native/index.ts";
import { readInt32, writeInt32 } from "./batch-header.ts";
import { writeFully } from "./file-io.ts";

export const OFFSET_INDEX_ENTRY_BYTES = 8;
const INITIAL_CAPACITY_ENTRIES = 64;

export class OffsetIndex {
  private relOffsets = new Uint32Array(INITIAL_CAPACITY_ENTRIES);
  private positions = new Uint32Array(INITIAL_CAPACITY_ENTRIES);
  private entryCount = 0;
  /** Entries already in the file. */
  private persistedCount = 0;

  constructor(readonly maxEntries: number) {}

  get count(): number {
    return this.entryCount;
  }

  isFull(): boolean {
    return this.entryCount >= this.maxEntries;
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
    this.entryCount = n;
    if (this.persistedCount > n) this.persistedCount = -1; // file must be cut on next write
  }

  /** The file no longer matches: the next persist rewrites it from scratch. */
  markUnpersisted(): void {
    this.persistedCount = -1;
  }

  clear(): void {
    this.entryCount = 0;
    this.persistedCount = -1;
  }

  /** Brings the file up to date: appends new entries, or rewrites it after a truncation. */
  persist(fd: number): void {
    if (this.persistedCount < 0) {
      fs.ftruncateSync(fd, 0);
      this.persistedCount = 0;
    }
    if (this.persistedCount === this.entryCount) return;
    const from = this.persistedCount;
    const bytes = new Uint8Array((this.entryCount - from) * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = from; i < this.entryCount; i++) {
      const at = (i - from) * OFFSET_INDEX_ENTRY_BYTES;
      writeInt32(bytes, at, this.relOffsets[i]);
      writeInt32(bytes, at + 4, this.positions[i]);
    }
    writeFully(fd, bytes, from * OFFSET_INDEX_ENTRY_BYTES);
    this.persistedCount = this.entryCount;
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
