/**
 * One log segment of a partition: `<base>.log`, `<base>.index`, `<base>.timeindex`, where <base> is
 * the segment's base offset written as 20 decimal digits (Kafka's naming).
 *
 * `.log` format: Kafka v2 record batches back to back, exactly as producers sent them, with
 * baseOffset and partitionLeaderEpoch stamped by the log. Bytes past the segment's logical end
 * (`sizeBytes`) are not part of the log: they are zeros reserved ahead of appends (preallocation),
 * or stale batches left behind by a truncation. `.index` and `.timeindex` formats: offset-index.ts
 * and time-index.ts. Reserved for later issues: `<base>.txnindex` (aborted transactions) sits beside
 * them and is deleted with the segment (see COMPANION_SUFFIXES); producer-state snapshots live at
 * the partition level (`<offset>.snapshot`).
 *
 * A MAPPED FILE NEVER SHRINKS. Reads are views of `Bun.mmap` mappings, a mapping lives until the
 * garbage collector frees it, and truncating a mapped file crashes the process (SIGBUS) when a stale
 * view is touched. So:
 *  - The log keeps a logical end per segment and never serves bytes past it; a mapping covers the
 *    file's physical size, which only grows (appends, preallocation in chunks; a read past the
 *    current mapping maps the file again).
 *  - A file is physically cut only if this process never mapped it (file-io.ts keeps the record by
 *    device and inode): that is the case for torn tails found at start-up, because recovery scans
 *    with positional reads, not mappings.
 *  - When a mapped segment must lose its tail (truncateTo, or recovery in a process that had mapped
 *    the file before), only its logical end moves; the old bytes stay, so views already handed out
 *    stay intact. Such a segment is flagged `hasStaleTail` and never appended to again: the
 *    partition log rolls a new segment whose base offset is the new log end. On recovery a segment's
 *    batches are accepted only below the next segment's base offset, so the stale bytes can never
 *    come back, and the next start-up (a new process) cuts them physically.
 *  - Deleting a segment unlinks its files; existing mappings keep the inode alive.
 *
 * Open files are budgeted (segment-files.ts): a cold segment's descriptor may be closed and its
 * mapping reference dropped; every use goes through file(), which reopens it (and a read maps it
 * again). Closing never changes the file's size.
 */
import fs from "node:fs";
import path from "node:path";
import {
  BATCH_HEADER_BYTES,
  baseOffsetAt,
  batchSizeAt,
  lastOffsetAt,
  maxTimestampAt,
} from "./batch-header.ts";
import type { LogConfig } from "./config.ts";
import {
  MAX_PREALLOCATE_CHUNK_BYTES,
  MIN_PREALLOCATE_CHUNK_BYTES,
} from "./config.ts";
import {
  noteMapped,
  preallocate,
  readAt,
  syncFd,
  truncateIfNeverMapped,
  wasMappedInThisProcess,
  writeFully,
  writeFullyAsync,
} from "./file-io.ts";
import { scanLogFileAllowingGaps } from "./log-file-scan.ts";
import { segmentFiles, type BudgetedFile } from "./segment-files.ts";
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from "./offset-index.ts";
import { TIME_INDEX_ENTRY_BYTES, TimeIndex } from "./time-index.ts";
import { VerifiedRanges } from "./scrub/verified-ranges.ts";
import { recordSync } from "./sync-stats.ts";

export const LOG_SUFFIX = ".log";
export const INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";
/** Files that belong to a segment and go with it (".txnindex" is reserved for transactions). */
export const COMPANION_SUFFIXES = [INDEX_SUFFIX, TIME_INDEX_SUFFIX, ".txnindex"] as const;
const OFFSET_DIGITS = 20;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(OFFSET_DIGITS, "0") + suffix;
}

/** The base offset named by a `.log` file name, or null when the name is not a segment's. */
export function parseSegmentFileName(name: string): number | null {
  if (!name.endsWith(LOG_SUFFIX)) return null;
  const digits = name.slice(0, -LOG_SUFFIX.length);
  if (digits.length !== OFFSET_DIGITS || !/^\d+$/.test(digits)) return null;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : null;
}

/** Per-append batch descriptions, SEGMENT_BATCH_FIELDS doubles each (filled by the partition log). */
export const SEGMENT_BATCH_FIELDS = 5;
/** Slots: position within the appended bytes, size, baseOffset, lastOffset, maxTimestamp. */

export interface SegmentLoadOptions {
  /** Full scan with CRC checks and index rebuild (segments past the recovery point after a crash). */
  recover: boolean;
  /** Base offset of the following segment, or -1 for the last one: batches must end below it. */
  nextSegmentBase: number;
  nowMs: number;
}

export interface SegmentLoadReport {
  /** Bytes of the file past the valid end (zeros of preallocation included). */
  droppedTailBytes: number;
  indexesRebuilt: boolean;
}

export interface SegmentRead {
  view: Uint8Array | null;
  /** Byte position of the view in the file. */
  position: number;
  endReached: boolean;
}

export interface SegmentAppendState {
  sizeBytes: number;
  nextOffset: number;
  maxTimestampMs: number;
  offsetOfMaxTimestamp: number;
  bytesSinceIndexEntry: number;
  offsetIndexCount: number;
  timeIndexCount: number;
}

interface SegmentState {
  sizeBytes: number;
  allocatedBytes: number;
  nextOffset: number;
  maxTimestampMs: number;
  offsetOfMaxTimestamp: number;
  bytesSinceIndexEntry: number;
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
  hasStaleTail: boolean;
  /** [from, to) already verified (scrub/verify.ts) while loading; none today (see rebuildByScan). */
  verifiedFrom: number;
  verifiedTo: number;
}

export class Segment implements BudgetedFile {
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Logical size: bytes of whole batches. */
  sizeBytes: number;
  /** lastOffset + 1 of the last batch; the base offset when empty. */
  nextOffset: number;
  /** Largest batch maxTimestamp in the segment; -1 when empty. */
  maxTimestampMs: number;
  /** Wall-clock time the segment was created or loaded: segment.ms counts from it. */
  readonly rollBasisMs: number;
  /** Bytes past the logical end may hold old batches: never append to this segment. */
  hasStaleTail: boolean;
  /** Byte ranges verified in this process (scrub/verified-ranges.ts): appended, scanned, read or scrubbed. */
  readonly verified = new VerifiedRanges();
  /**
   * Write-behind (partition-log.ts): the position of the first appended byte whose write has not
   * completed yet; Infinity when every appended byte is written. Reads never go past it.
   */
  writtenUpTo = Infinity;
  private allocatedBytes: number;
  private offsetOfMaxTimestamp: number;
  private bytesSinceIndexEntry: number;
  private readonly offsetIndex: OffsetIndex;
  private readonly timeIndex: TimeIndex;
  private mapping: Uint8Array | null = null;
  private fd: number;
  private readonly headerScratch = new Uint8Array(BATCH_HEADER_BYTES);
  /** Size already made durable by flush(). */
  private flushedSizeBytes: number;
  private asyncFlushesInFlight = 0;
  private deferredCloseFd = -1;
  /** Closed or deleted for good: the file is not reopened. */
  private released = false;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private config: LogConfig,
    fd: number,
    state: SegmentState,
    rollBasisMs: number,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.fd = fd;
    this.sizeBytes = state.sizeBytes;
    this.allocatedBytes = state.allocatedBytes;
    this.nextOffset = state.nextOffset;
    this.maxTimestampMs = state.maxTimestampMs;
    this.offsetOfMaxTimestamp = state.offsetOfMaxTimestamp;
    this.bytesSinceIndexEntry = state.bytesSinceIndexEntry;
    this.offsetIndex = state.offsetIndex;
    this.timeIndex = state.timeIndex;
    this.hasStaleTail = state.hasStaleTail;
    this.rollBasisMs = rollBasisMs;
    this.flushedSizeBytes = state.sizeBytes;
    this.verified.add(state.verifiedFrom, Math.min(state.verifiedTo, state.sizeBytes));
    segmentFiles.touch(this);
  }

  /** The open descriptor, reopening a file the budget closed; marks the segment recently used. */
  private file(): number {
    if (this.fd < 0) {
      if (this.released) throw new Error(`segment ${this.logPath} is closed`);
      this.fd = fs.openSync(this.logPath, "r+");
    }
    segmentFiles.touch(this);
    return this.fd;
  }

  /** The budget closes this cold segment's file (reopened on next use); not while a flush runs. */
  closeCold(): boolean {
    if (this.fd < 0) return true;
    if (this.asyncFlushesInFlight > 0) return false;
    fs.closeSync(this.fd);
    this.fd = -1;
    this.mapping = null;
    return true;
  }

  static create(dir: string, baseOffset: number, config: LogConfig, nowMs: number): Segment {
    for (const suffix of [LOG_SUFFIX, ...COMPANION_SUFFIXES]) {
      // A leftover of the same name (e.g. a segment just truncated away) is unlinked, never cut:
      // it may still be mapped.
      fs.rmSync(path.join(dir, segmentFileName(baseOffset, suffix)), { force: true });
    }
    const fd = fs.openSync(path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX)), "wx+");
    const state: SegmentState = {
      sizeBytes: 0,
      allocatedBytes: 0,
      nextOffset: baseOffset,
      maxTimestampMs: -1,
      offsetOfMaxTimestamp: baseOffset,
      bytesSinceIndexEntry: 0,
      offsetIndex: new OffsetIndex(maxOffsetIndexEntries(config)),
      timeIndex: new TimeIndex(maxTimeIndexEntries(config)),
      hasStaleTail: false,
      verifiedFrom: 0,
      verifiedTo: 0,
    };
    const segment = new Segment(dir, baseOffset, config, fd, state, nowMs);
    segment.flushedSizeBytes = 0;
    return segment;
  }

  /** Opens an existing segment, validating (or rebuilding) its indexes and finding its valid end. */
  static load(
    dir: string,
    baseOffset: number,
    config: LogConfig,
    options: SegmentLoadOptions,
  ): { segment: Segment; report: SegmentLoadReport } {
    const logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    const fd = fs.openSync(logPath, "r+");
    let built: Segment | null = null;
    try {
      const fileSizeBytes = fs.fstatSync(fd).size;
      let state: SegmentState | null = null;
      if (!options.recover) state = loadWithIndexes(dir, fd, fileSizeBytes, baseOffset, config, options);
      const indexesRebuilt = state === null;
      if (state === null) state = rebuildByScan(fd, fileSizeBytes, baseOffset, config, options);
      if (fileSizeBytes > state.sizeBytes) {
        if (truncateIfNeverMapped(fd, state.sizeBytes)) state.allocatedBytes = state.sizeBytes;
        else state.hasStaleTail = true;
      }
      built = new Segment(dir, baseOffset, config, fd, state, options.nowMs);
      if (indexesRebuilt) built.rewriteIndexFiles();
      return { segment: built, report: { droppedTailBytes: fileSizeBytes - state.sizeBytes, indexesRebuilt } };
    } catch (error) {
      // Once built, the segment owns the descriptor (and the budget knows it): release it there.
      if (built !== null) built.releaseFd();
      else fs.closeSync(fd);
      throw error;
    }
  }

  setConfig(config: LogConfig): void {
    this.config = config;
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  get hasUnflushedData(): boolean {
    return this.flushedSizeBytes !== this.sizeBytes;
  }

  /** Whether an append of `bytes` with offsets up to `lastOffset` must go to a new segment. */
  shouldRoll(appendBytes: number, lastOffset: number, nowMs: number): boolean {
    if (this.hasStaleTail) return true;
    if (this.sizeBytes === 0) return false;
    return (
      this.sizeBytes + appendBytes > this.config.segmentBytes ||
      nowMs - this.rollBasisMs > this.config.segmentMs ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      lastOffset - this.baseOffset > 2 ** 31 - 1
    );
  }

  /**
   * Writes `bytes` (whole batches with offsets already stamped) at the logical end and indexes them.
   * `batches` holds SEGMENT_BATCH_FIELDS doubles per batch.
   */
  append(bytes: Uint8Array, batches: Float64Array, batchCount: number, deferWrite = false): number {
    if (this.hasStaleTail) throw new Error("append to a segment with a stale tail");
    const start = this.sizeBytes;
    this.reserve(start + bytes.length);
    if (deferWrite) {
      // The caller writes the bytes (writeAsync); until then reads stop before them.
      if (this.writtenUpTo === Infinity) this.writtenUpTo = start;
    } else {
      writeFully(this.file(), bytes, start);
    }
    for (let i = 0; i < batchCount; i++) {
      const s = i * SEGMENT_BATCH_FIELDS;
      this.indexBatch(start + batches[s], batches[s + 1], batches[s + 2], batches[s + 4]);
    }
    this.sizeBytes = start + bytes.length;
    this.nextOffset = batches[(batchCount - 1) * SEGMENT_BATCH_FIELDS + 3] + 1;
    // Appended batches were verified before the append (producers' CRC by the batch validator,
    // followers' by the log, the broker's own built with their CRC).
    this.verified.add(start, this.sizeBytes);
    return start;
  }

  /**
   * Writes `bytes` at `position` on the I/O thread pool (an append made with deferWrite). The
   * descriptor stays open until the write completes, whatever close() or the file budget asks.
   */
  writeAsync(bytes: Uint8Array, position: number, done: (error: Error | null) => void): void {
    const fd = this.file();
    this.asyncFlushesInFlight++;
    writeFullyAsync(fd, bytes, position, (error) => {
      this.asyncOpDone();
      done(error);
    });
  }

  /** Writes `bytes` at `position` on the caller's thread (a deferred append written at once). */
  writeNow(bytes: Uint8Array, position: number): void {
    writeFully(this.file(), bytes, position);
  }

  private asyncOpDone(): void {
    this.asyncFlushesInFlight--;
    if (this.asyncFlushesInFlight === 0 && this.deferredCloseFd >= 0) {
      fs.closeSync(this.deferredCloseFd);
      this.deferredCloseFd = -1;
    }
  }

  /** What an append changes, to undo one whose data did not become durable (see restoreAppendState). */
  appendState(): SegmentAppendState {
    return {
      sizeBytes: this.sizeBytes,
      nextOffset: this.nextOffset,
      maxTimestampMs: this.maxTimestampMs,
      offsetOfMaxTimestamp: this.offsetOfMaxTimestamp,
      bytesSinceIndexEntry: this.bytesSinceIndexEntry,
      offsetIndexCount: this.offsetIndex.count,
      timeIndexCount: this.timeIndex.count,
    };
  }

  /**
   * Moves the logical end back to before an append (its sync failed). The bytes stay in the file
   * (a mapped file never shrinks); the caller flags the segment hasStaleTail.
   */
  restoreAppendState(s: SegmentAppendState): void {
    this.sizeBytes = s.sizeBytes;
    this.nextOffset = s.nextOffset;
    this.maxTimestampMs = s.maxTimestampMs;
    this.offsetOfMaxTimestamp = s.offsetOfMaxTimestamp;
    this.bytesSinceIndexEntry = s.bytesSinceIndexEntry;
    this.offsetIndex.truncateToCount(s.offsetIndexCount);
    this.timeIndex.truncateToCount(s.timeIndexCount);
    this.flushedSizeBytes = Math.min(this.flushedSizeBytes, s.sizeBytes);
    this.verified.clipTo(s.sizeBytes);
  }

  private indexBatch(position: number, sizeBytes: number, baseOffset: number, maxTimestampMs: number): void {
    if (maxTimestampMs > this.maxTimestampMs) {
      this.maxTimestampMs = maxTimestampMs;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    if (this.bytesSinceIndexEntry > this.config.indexIntervalBytes) {
      if (!this.offsetIndex.isFull()) this.offsetIndex.append(baseOffset - this.baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampMs, this.offsetOfMaxTimestamp - this.baseOffset);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += sizeBytes;
  }

  /** Makes the file at least `neededBytes` long, in growing preallocation chunks when enabled. */
  private reserve(neededBytes: number): void {
    if (neededBytes <= this.allocatedBytes) return;
    if (!this.config.preallocate) {
      this.allocatedBytes = neededBytes;
      return;
    }
    const chunk = Math.min(Math.max(this.allocatedBytes, MIN_PREALLOCATE_CHUNK_BYTES), MAX_PREALLOCATE_CHUNK_BYTES);
    const target = Math.max(neededBytes, Math.min(this.allocatedBytes + chunk, this.config.segmentBytes));
    preallocate(this.file(), this.allocatedBytes, target);
    this.allocatedBytes = target;
  }

  /** The mapping of the file, covering at least the logical end (maps again when it grew). */
  private mapped(): Uint8Array {
    const current = this.mapping;
    if (current !== null && current.length >= this.sizeBytes) return current;
    const fresh = Bun.mmap(this.logPath, { shared: true });
    noteMapped(this.file());
    if (fresh.length < this.sizeBytes) throw new Error(`mapping of ${this.logPath} shorter than its log`);
    this.mapping = fresh;
    return fresh;
  }

  /** Header bytes of the batch at `position`: from the mapping when there is one, else read. */
  private header(position: number): { buf: Uint8Array; at: number } {
    const map = this.mapping;
    if (map !== null && position + BATCH_HEADER_BYTES <= map.length) return { buf: map, at: position };
    const bytes = readAt(this.file(), position, BATCH_HEADER_BYTES);
    if (bytes.length < BATCH_HEADER_BYTES) throw new Error(`short header read at ${position} in ${this.logPath}`);
    this.headerScratch.set(bytes);
    return { buf: this.headerScratch, at: 0 };
  }

  /** Position of the batch holding `offset` (its lastOffset >= offset), or sizeBytes when none. */
  positionOf(offset: number): number {
    if (offset >= this.nextOffset) return this.sizeBytes;
    let position = this.offsetIndex.lookupPosition(Math.max(0, offset - this.baseOffset));
    while (position < this.sizeBytes) {
      if (this.sizeBytes - position < BATCH_HEADER_BYTES) return position; // corrupt framing: a read there reports it
      const { buf, at } = this.header(position);
      const base = baseOffsetAt(buf, at);
      // A rotten base offset (outside the segment) stops the walk here: the read reports it.
      const last = lastOffsetAt(buf, at);
      if (base < this.baseOffset || base >= this.nextOffset || last < base) return position;
      if (last >= offset) return position;
      const size = batchSizeAt(buf, at);
      if (!this.plausibleBatch(position, size)) return position;
      position += size;
    }
    return this.sizeBytes;
  }

  /**
   * Whole batches from the one holding `offset`: at most `maxBytes` (but at least one batch when
   * `minOneBatch`), only batches whose baseOffset is below `maxOffsetExclusive`. The view is a
   * subarray of the mapping; no record bytes are copied. `endReached` tells whether the read ran to
   * the segment's end (so a caller may continue in the next segment).
   */
  read(offset: number, maxBytes: number, maxOffsetExclusive: number, minOneBatch: boolean): SegmentRead {
    const start = this.positionOf(offset);
    if (start >= this.sizeBytes) return { view: null, position: start, endReached: true };
    // Write-behind: bytes past writtenUpTo are not written yet; the read stops before them.
    const readable = Math.min(this.sizeBytes, this.writtenUpTo);
    if (start >= readable) return { view: null, position: start, endReached: false };
    const map = this.mapped();
    let end = start;
    while (end < readable) {
      const size = readable - end >= BATCH_HEADER_BYTES ? batchSizeAt(map, end) : -1;
      const base = size > 0 ? baseOffsetAt(map, end) : -1;
      if (!this.plausibleBatch(end, size) || base < this.baseOffset || base >= this.nextOffset) {
        // Corrupt framing (bit rot): a view up to it is served; at the read position, the bad
        // bytes themselves, so the read path's verification reports them (never served as data).
        if (end === start) end = Math.min(readable, start + BATCH_HEADER_BYTES);
        break;
      }
      if (base >= maxOffsetExclusive) break;
      if (end + size - start > maxBytes && !(minOneBatch && end === start)) break;
      end += size;
    }
    return { view: end > start ? map.subarray(start, end) : null, position: start, endReached: end >= this.sizeBytes };
  }

  /** The mapped bytes [0, sizeBytes) (verification of a range read; no copy). */
  mappedLog(): Uint8Array {
    return this.mapped().subarray(0, this.sizeBytes);
  }

  /** Reads [position, position + length) of the log through the file, not the mapping (the scrubber). */
  readBytes(position: number, length: number): Uint8Array {
    const n = Math.max(0, Math.min(length, this.sizeBytes - position));
    return readAt(this.file(), position, n);
  }

  /**
   * Repair (scrub/repair): overwrites [position, position + bytes.length) inside the logical end
   * with verified batches of the same extent, durably. The file's size does not change, so views
   * handed out stay valid (they see the repaired bytes).
   */
  rewriteAt(position: number, bytes: Uint8Array): void {
    if (position < 0 || position + bytes.length > this.sizeBytes) throw new Error(`rewrite of [${position}, ${position + bytes.length}) outside ${this.logPath}'s ${this.sizeBytes} bytes`);
    writeFully(this.file(), bytes, position);
    syncFd(this.file(), true);
    this.verified.remove(position, position + bytes.length);
  }

  /**
   * Whether the `.index` file says what the index in memory says (its entries are a prefix of the
   * memory's); the scrubber rewrites a file that does not (see rewriteIndexes).
   */
  indexFileAgrees(): boolean {
    const bytes = readWholeFile(this.indexPath);
    if (bytes === null) return false;
    if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return false;
    const fileCount = bytes.length / OFFSET_INDEX_ENTRY_BYTES;
    if (fileCount > this.offsetIndex.count) return false;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < fileCount; i++) {
      if (view.getUint32(i * 8) !== this.offsetIndex.relOffsetAt(i) || view.getUint32(i * 8 + 4) !== this.offsetIndex.positionAt(i)) return false;
    }
    return true;
  }

  /** Writes both index files again from memory. */
  rewriteIndexes(): void {
    this.rewriteIndexFiles();
  }

  /**
   * Drops the offset-index entries from entry `index` on (the scrubber found one that does not
   * point at its batch): lookups start from an earlier entry and walk batch headers from there.
   */
  dropIndexEntriesFrom(index: number): void {
    if (index >= this.offsetIndex.count) return;
    this.offsetIndex.truncateToCount(index);
    this.rewriteIndexFiles();
  }

  /** Whether a batch of `size` bytes at `position` fits the log (a corrupt length does not). */
  private plausibleBatch(position: number, size: number): boolean {
    return size >= BATCH_HEADER_BYTES && position + size <= this.sizeBytes;
  }

  /** Base offset of the first batch whose maxTimestamp >= targetMs, with that timestamp; or null. */
  findByTimestamp(targetMs: number): { offset: number; timestampMs: number } | null {
    if (this.maxTimestampMs < targetMs) return null;
    const relOffset = this.timeIndex.lookupRelOffset(targetMs);
    let position = this.positionOf(this.baseOffset + relOffset);
    while (position < this.sizeBytes) {
      const { buf, at } = this.header(position);
      const maxTs = maxTimestampAt(buf, at);
      if (maxTs >= targetMs) return { offset: baseOffsetAt(buf, at), timestampMs: maxTs };
      const size = batchSizeAt(buf, at);
      if (!this.plausibleBatch(position, size)) return null;
      position += size;
    }
    return null;
  }

  /**
   * Drops every batch at or after the one holding `offset`; returns the new nextOffset. A file
   * this process never mapped is cut; a mapped one keeps its bytes and is flagged `hasStaleTail`.
   */
  truncateTo(offset: number): number {
    const cut = this.positionOf(offset);
    if (cut >= this.sizeBytes) return this.nextOffset;
    const cutHeader = this.header(cut);
    const cutBase = baseOffsetAt(cutHeader.buf, cutHeader.at);
    // The batch at the cut holds `offset`, so it starts at or below it; a rotten header says otherwise.
    const newNextOffset = cutBase >= this.baseOffset && cutBase <= offset ? cutBase : offset;
    this.offsetIndex.truncateToPosition(cut);
    this.timeIndex.truncateToRelOffset(newNextOffset - this.baseOffset);
    this.sizeBytes = cut;
    this.nextOffset = newNextOffset;
    this.flushedSizeBytes = Math.min(this.flushedSizeBytes, cut);
    this.verified.clipTo(cut);
    this.recomputeTailStats();
    if (wasMappedInThisProcess(this.file())) {
      this.hasStaleTail = true;
    } else {
      fs.ftruncateSync(this.file(), cut);
      this.allocatedBytes = cut;
    }
    this.rewriteIndexFiles();
    return newNextOffset;
  }

  /** Recomputes the running max timestamp and index spacing from the last index entry to the end. */
  private recomputeTailStats(): void {
    const lastEntry = this.offsetIndex.count - 1;
    let position = lastEntry >= 0 ? this.offsetIndex.positionAt(lastEntry) : 0;
    const lastTime = this.timeIndex.count - 1;
    this.maxTimestampMs = lastTime >= 0 ? this.timeIndex.timestampAt(lastTime) : -1;
    this.offsetOfMaxTimestamp = lastTime >= 0 ? this.baseOffset + this.timeIndex.relOffsetAt(lastTime) : this.baseOffset;
    this.bytesSinceIndexEntry = 0;
    while (position < this.sizeBytes) {
      const { buf, at } = this.header(position);
      const maxTs = maxTimestampAt(buf, at);
      if (maxTs > this.maxTimestampMs) {
        this.maxTimestampMs = maxTs;
        this.offsetOfMaxTimestamp = baseOffsetAt(buf, at);
      }
      const size = batchSizeAt(buf, at);
      if (!this.plausibleBatch(position, size)) break;
      this.bytesSinceIndexEntry += size;
      position += size;
    }
  }

  /** fsyncs the log (if it changed) and brings the index files up to date. */
  flush(): void {
    if (this.flushedSizeBytes !== this.sizeBytes) {
      syncFd(this.file(), true);
      this.flushedSizeBytes = this.sizeBytes;
    }
    this.persistIndexes(true);
  }

  /**
   * Asynchronous flush (used for segments just rolled); resolves when the data is durable. While it
   * runs, close() and delete() leave the descriptor open and the flush's completion closes it, so
   * the descriptor number is never reused under the pending fdatasync.
   */
  flushAsync(): Promise<void> {
    if (this.released) return Promise.resolve();
    const size = this.sizeBytes;
    this.persistIndexes(false);
    const fd = this.file();
    this.asyncFlushesInFlight++;
    const startMs = performance.now();
    return new Promise((resolve, reject) => {
      fs.fdatasync(fd, (error) => {
        recordSync("log", (performance.now() - startMs) / 1000);
        this.asyncOpDone();
        if (error) {
          reject(error);
          return;
        }
        this.flushedSizeBytes = Math.max(this.flushedSizeBytes, size);
        resolve();
      });
    });
  }

  /** Closes the descriptor now, or when the in-flight asynchronous flush completes. */
  releaseFd(): void {
    this.released = true;
    segmentFiles.forget(this);
    if (this.fd < 0) return;
    if (this.asyncFlushesInFlight > 0) this.deferredCloseFd = this.fd;
    else fs.closeSync(this.fd);
    this.fd = -1;
  }

  persistIndexes(sync: boolean): void {
    this.withIndexFds((indexFd, timeFd) => {
      const wroteOffsets = this.offsetIndex.persist(indexFd);
      const wroteTimes = this.timeIndex.persist(timeFd);
      if (sync && wroteOffsets) syncFd(indexFd, false, "index");
      if (sync && wroteTimes) syncFd(timeFd, false, "index");
    });
  }

  private rewriteIndexFiles(): void {
    this.withIndexFds((indexFd, timeFd) => {
      this.offsetIndex.markUnpersisted();
      this.timeIndex.markUnpersisted();
      this.offsetIndex.persist(indexFd);
      this.timeIndex.persist(timeFd);
    });
  }

  private withIndexFds(work: (indexFd: number, timeFd: number) => void): void {
    const flags = fs.constants.O_RDWR | fs.constants.O_CREAT;
    const indexFd = fs.openSync(this.indexPath, flags, 0o644);
    try {
      const timeFd = fs.openSync(this.timeIndexPath, flags, 0o644);
      try {
        work(indexFd, timeFd);
      } finally {
        fs.closeSync(timeFd);
      }
    } finally {
      fs.closeSync(indexFd);
    }
  }

  /** Persists indexes and closes the file. Mappings stay valid until collected. */
  close(): void {
    if (this.released) return;
    this.persistIndexes(false);
    this.releaseFd();
    this.mapping = null;
  }

  /** Closes and unlinks the segment's files. */
  delete(): void {
    this.releaseFd();
    this.mapping = null;
    Segment.deleteFiles(this.dir, this.baseOffset);
  }

  /** Unlinks a segment's files (unlinking is safe for mapped files: the inode lives on). */
  static deleteFiles(dir: string, baseOffset: number): void {
    for (const suffix of [LOG_SUFFIX, ...COMPANION_SUFFIXES]) {
      fs.rmSync(path.join(dir, segmentFileName(baseOffset, suffix)), { force: true });
    }
  }

  /** Offset-index entries (relative offset, position), for tests and tools. */
  indexEntries(): { offset: number; position: number }[] {
    const out: { offset: number; position: number }[] = [];
    for (let i = 0; i < this.offsetIndex.count; i++) {
      out.push({ offset: this.baseOffset + this.offsetIndex.relOffsetAt(i), position: this.offsetIndex.positionAt(i) });
    }
    return out;
  }

  /** Reads the batch header at `position` through the file (for tests and tools). */
  batchBaseOffsetAt(position: number): number {
    const { buf, at } = this.header(position);
    return baseOffsetAt(buf, at);
  }
}

function maxOffsetIndexEntries(config: LogConfig): number {
  return Math.max(1, Math.floor(config.segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES));
}

function maxTimeIndexEntries(config: LogConfig): number {
  return Math.max(1, Math.floor(config.segmentIndexBytes / TIME_INDEX_ENTRY_BYTES));
}

function readWholeFile(filePath: string): Uint8Array | null {
  try {
    return new Uint8Array(fs.readFileSync(filePath));
  } catch {
    return null;
  }
}

/** Fresh state for a segment whose indexes are rebuilt by scanning every batch. */
function rebuildByScan(
  fd: number,
  fileSizeBytes: number,
  baseOffset: number,
  config: LogConfig,
  options: SegmentLoadOptions,
): SegmentState {
  const state: SegmentState = {
    sizeBytes: 0,
    allocatedBytes: fileSizeBytes,
    nextOffset: baseOffset,
    maxTimestampMs: -1,
    offsetOfMaxTimestamp: baseOffset,
    bytesSinceIndexEntry: 0,
    offsetIndex: new OffsetIndex(maxOffsetIndexEntries(config)),
    timeIndex: new TimeIndex(maxTimeIndexEntries(config)),
    hasStaleTail: false,
    // The load's scan checks framing and CRC only, not the offset and epoch rules of
    // scrub/verify.ts: a first read verifies these bytes again.
    verifiedFrom: 0,
    verifiedTo: 0,
  };
  scanInto(state, fd, fileSizeBytes, 0, baseOffset, baseOffset, config, options.nextSegmentBase);
  return state;
}

/** Scans from `fromPosition` and indexes each batch into `state` as appends would. */
function scanInto(
  state: SegmentState,
  fd: number,
  fileSizeBytes: number,
  fromPosition: number,
  expectedBaseOffset: number,
  segmentBase: number,
  config: LogConfig,
  nextSegmentBase: number,
): number {
  const result = scanLogFileAllowingGaps(fd, fileSizeBytes, fromPosition, expectedBaseOffset, nextSegmentBase, true,
    (position, sizeBytes, batchBase, _lastOffset, maxTimestampMs) => {
      if (maxTimestampMs > state.maxTimestampMs) {
        state.maxTimestampMs = maxTimestampMs;
        state.offsetOfMaxTimestamp = batchBase;
      }
      if (state.bytesSinceIndexEntry > config.indexIntervalBytes) {
        if (!state.offsetIndex.isFull()) state.offsetIndex.append(batchBase - segmentBase, position);
        state.timeIndex.maybeAppend(state.maxTimestampMs, state.offsetOfMaxTimestamp - segmentBase);
        state.bytesSinceIndexEntry = 0;
      }
      state.bytesSinceIndexEntry += sizeBytes;
    });
  state.sizeBytes = result.endPosition;
  state.nextOffset = result.batchCount > 0 ? result.nextOffset : expectedBaseOffset;
  return result.batchCount;
}

/**
 * Loads the index files and scans only the tail after the last offset-index entry (CRC-checked).
 * Returns null when the indexes are missing, corrupt, or disagree with the log: rebuild instead.
 */
function loadWithIndexes(
  dir: string,
  fd: number,
  fileSizeBytes: number,
  baseOffset: number,
  config: LogConfig,
  options: SegmentLoadOptions,
): SegmentState | null {
  const indexBytes = readWholeFile(path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)));
  const timeBytes = readWholeFile(path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)));
  if (indexBytes === null || timeBytes === null) return null;
  const offsetIndex = OffsetIndex.decode(indexBytes, maxOffsetIndexEntries(config), fileSizeBytes);
  const timeIndex = TimeIndex.decode(timeBytes, maxTimeIndexEntries(config));
  if (offsetIndex === null || timeIndex === null) return null;
  const lastEntry = offsetIndex.count - 1;
  const fromPosition = lastEntry >= 0 ? offsetIndex.positionAt(lastEntry) : 0;
  const fromOffset = lastEntry >= 0 ? baseOffset + offsetIndex.relOffsetAt(lastEntry) : baseOffset;
  const lastTime = timeIndex.count - 1;
  const state: SegmentState = {
    sizeBytes: 0,
    allocatedBytes: fileSizeBytes,
    nextOffset: baseOffset,
    maxTimestampMs: lastTime >= 0 ? timeIndex.timestampAt(lastTime) : -1,
    offsetOfMaxTimestamp: lastTime >= 0 ? baseOffset + timeIndex.relOffsetAt(lastTime) : baseOffset,
    // The entry's own batch is counted again by the scan below; start as if just indexed.
    bytesSinceIndexEntry: 0,
    offsetIndex,
    timeIndex,
    hasStaleTail: false,
    // See rebuildByScan: the tail scan below is not the full verification.
    verifiedFrom: 0,
    verifiedTo: 0,
  };
  // Entries added during the tail scan must not repeat the last one: skip its batch for indexing.
  const count = scanTail(state, fd, fileSizeBytes, fromPosition, fromOffset, baseOffset, config, options.nextSegmentBase);
  if (lastEntry >= 0 && count === 0) return null; // the last entry does not point at a valid batch
  if (lastTime >= 0 && baseOffset + timeIndex.relOffsetAt(lastTime) >= state.nextOffset) return null;
  if (lastEntry >= 0 && fromPosition >= state.sizeBytes) return null;
  return state;
}

function scanTail(
  state: SegmentState,
  fd: number,
  fileSizeBytes: number,
  fromPosition: number,
  fromOffset: number,
  segmentBase: number,
  config: LogConfig,
  nextSegmentBase: number,
): number {
  let first = true;
  const result = scanLogFileAllowingGaps(fd, fileSizeBytes, fromPosition, fromOffset, nextSegmentBase, true,
    (position, sizeBytes, batchBase, _lastOffset, maxTimestampMs) => {
      if (maxTimestampMs > state.maxTimestampMs) {
        state.maxTimestampMs = maxTimestampMs;
        state.offsetOfMaxTimestamp = batchBase;
      }
      if (!first && state.bytesSinceIndexEntry > config.indexIntervalBytes) {
        if (!state.offsetIndex.isFull()) state.offsetIndex.append(batchBase - segmentBase, position);
        state.timeIndex.maybeAppend(state.maxTimestampMs, state.offsetOfMaxTimestamp - segmentBase);
        state.bytesSinceIndexEntry = 0;
      }
      first = false;
      state.bytesSinceIndexEntry += sizeBytes;
    });
  state.sizeBytes = result.batchCount > 0 ? result.endPosition : fromPosition;
  state.nextOffset = result.batchCount > 0 ? result.nextOffset : fromOffset;
  return result.batchCount;
}
