/**
 * What the offset index and the time index share: fixed-size entries kept in memory, a count
 * bounded by segment.index.bytes, and a file brought up to date incrementally — new entries are
 * appended; after a truncation the file is rewritten from scratch on the next persist. Each
 * subclass owns its entry layout (documented at the top of its file) and writes one entry.
 */
import fs from "node:fs";
import { writeFully } from "./file-io.ts";

export abstract class IndexFile {
  protected entryCount = 0;
  /** Entries already in the file; -1 when the file no longer matches and must be rewritten. */
  protected persistedCount = 0;

  constructor(
    readonly maxEntries: number,
    private readonly entryBytes: number,
  ) {}

  get count(): number {
    return this.entryCount;
  }

  isFull(): boolean {
    return this.entryCount >= this.maxEntries;
  }

  /** Drops the entries past the first `n` (undoing appends that did not become durable). */
  truncateToCount(n: number): void {
    if (n < this.entryCount) this.keep(n);
  }

  /** Keeps the first n entries (after a truncation of the log). */
  protected keep(n: number): void {
    this.entryCount = n;
    if (this.persistedCount > n) this.persistedCount = -1;
  }

  /** The file no longer matches: the next persist rewrites it from scratch. */
  markUnpersisted(): void {
    this.persistedCount = -1;
  }

  clear(): void {
    this.entryCount = 0;
    this.persistedCount = -1;
  }

  /** Writes entry i into `bytes` at `at`. */
  protected abstract encodeEntry(bytes: Uint8Array, at: number, i: number): void;

  /**
   * Brings the file up to date: appends new entries, or rewrites it after a truncation. Returns
   * whether the file changed (so the caller knows whether it needs an fsync).
   */
  persist(fd: number): boolean {
    let changed = false;
    if (this.persistedCount < 0) {
      fs.ftruncateSync(fd, 0);
      this.persistedCount = 0;
      changed = true;
    }
    if (this.persistedCount === this.entryCount) return changed;
    const from = this.persistedCount;
    const bytes = new Uint8Array((this.entryCount - from) * this.entryBytes);
    for (let i = from; i < this.entryCount; i++) this.encodeEntry(bytes, (i - from) * this.entryBytes, i);
    writeFully(fd, bytes, from * this.entryBytes);
    this.persistedCount = this.entryCount;
    return true;
  }
}
