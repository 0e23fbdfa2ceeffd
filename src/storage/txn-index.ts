/**
 * The aborted-transaction index of one partition: one `<20-digit base offset>.txnindex` file per
 * segment, in Kafka's format (its TransactionIndex), holding the transactions aborted by a marker
 * that lies in that segment. Read committed fetches take from it the aborted transactions that
 * overlap the fetched range, so that consumers drop those producers' records.
 *
 * File format: a sequence of fixed-size entries, no header, big-endian:
 *
 *   version           int16   0
 *   producerId        int64
 *   firstOffset       int64   offset of the transaction's first batch in this partition
 *   lastOffset        int64   offset of its ABORT marker
 *   lastStableOffset  int64   the partition's last stable offset once the marker was written
 *
 * 34 bytes an entry. A torn tail (fewer than 34 bytes) or an entry of another version ends the
 * readable part of a file. The file is deleted with its segment (segment.ts's companion files).
 *
 * Recovery: the entries are kept in memory, sorted by lastOffset (markers are appended in log
 * order). At open the owner (cluster/partition.ts) loads the entries whose marker lies below the
 * offset from which it rebuilds producer state from the log, and re-derives the others from the
 * log's control batches; `load` rewrites files that held entries past that offset (a tail the
 * recovery cut, or entries the rebuild will add again), so an entry is never listed twice.
 * Truncation drops entries at or past the new log end in memory and on disk. The log cleaner
 * (storage/cleaner) removes the records of aborted transactions; when it replaces segments, their
 * files go with them and the entries of markers in them are forgotten (forgetMarkersIn).
 */
import fs from "node:fs";
import path from "node:path";
import { segmentFileName } from "./segment.ts";

export const TXN_INDEX_SUFFIX = ".txnindex";
export const TXN_INDEX_ENTRY_BYTES = 34;
const TXN_INDEX_VERSION = 0;
const TXN_INDEX_NAME = /^(\d{20})\.txnindex$/;

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function encodeAbortedTxn(e: AbortedTxn): Uint8Array {
  const out = new Uint8Array(TXN_INDEX_ENTRY_BYTES);
  const v = new DataView(out.buffer);
  v.setInt16(0, TXN_INDEX_VERSION);
  v.setBigInt64(2, e.producerId);
  v.setBigInt64(10, BigInt(e.firstOffset));
  v.setBigInt64(18, BigInt(e.lastOffset));
  v.setBigInt64(26, BigInt(e.lastStableOffset));
  return out;
}

/** The whole entries of a file's bytes, up to a torn tail or an entry of an unknown version. */
export function decodeTxnIndex(bytes: Uint8Array): AbortedTxn[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: AbortedTxn[] = [];
  for (let pos = 0; pos + TXN_INDEX_ENTRY_BYTES <= bytes.length; pos += TXN_INDEX_ENTRY_BYTES) {
    if (v.getInt16(pos) !== TXN_INDEX_VERSION) break;
    out.push({
      producerId: v.getBigInt64(pos + 2),
      firstOffset: Number(v.getBigInt64(pos + 10)),
      lastOffset: Number(v.getBigInt64(pos + 18)),
      lastStableOffset: Number(v.getBigInt64(pos + 26)),
    });
  }
  return out;
}

export class AbortedTxnIndex {
  /** Sorted by lastOffset. */
  private entries: AbortedTxn[] = [];

  /**
   * @param dir the partition directory
   * @param segmentBases the log's segment base offsets, ascending (the file of an entry is the segment holding its marker)
   */
  constructor(
    private readonly dir: string,
    private readonly segmentBases: () => number[],
  ) {}

  get size(): number {
    return this.entries.length;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  /** Loads every file's entries whose marker is below `keepBelowOffset`; files holding others are rewritten. */
  load(keepBelowOffset: number): void {
    this.entries = [];
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => TXN_INDEX_NAME.test(n));
    } catch {
      return;
    }
    const bases = new Set(this.segmentBases());
    for (const name of names) {
      const base = Number(TXN_INDEX_NAME.exec(name)![1]);
      const file = path.join(this.dir, name);
      if (!bases.has(base)) {
        fs.rmSync(file, { force: true }); // left behind by a segment that is gone
        continue;
      }
      const bytes = fs.readFileSync(file);
      const all = decodeTxnIndex(bytes);
      const kept = all.filter((e) => e.lastOffset < keepBelowOffset);
      if (kept.length !== all.length || bytes.length !== all.length * TXN_INDEX_ENTRY_BYTES) this.writeFile(base, kept);
      this.entries.push(...kept);
    }
    this.entries.sort((a, b) => a.lastOffset - b.lastOffset);
  }

  /** Adds an entry (its marker past every entry's) in memory and to its segment's file. */
  append(e: AbortedTxn): void {
    this.entries.push(e);
    fs.appendFileSync(path.join(this.dir, segmentFileName(this.baseFor(e.lastOffset), TXN_INDEX_SUFFIX)), encodeAbortedTxn(e));
  }

  /** Drops the entries whose marker is at or past `offset` (the log was truncated there). */
  truncateFrom(offset: number): void {
    if (this.entries.length === 0 || this.entries[this.entries.length - 1]!.lastOffset < offset) return;
    const dropped = this.entries.filter((e) => e.lastOffset >= offset);
    this.entries = this.entries.filter((e) => e.lastOffset < offset);
    const touched = new Set(dropped.map((e) => this.baseFor(e.lastOffset)));
    for (const base of touched) this.writeFile(base, this.entries.filter((e) => this.baseFor(e.lastOffset) === base));
  }

  /** Forgets (in memory) the entries whose marker is below the log start (their segments are gone or going). */
  dropBelow(logStartOffset: number): void {
    let n = 0;
    while (n < this.entries.length && this.entries[n]!.lastOffset < logStartOffset) n++;
    if (n > 0) this.entries.splice(0, n);
  }

  /**
   * Forgets (in memory) the entries whose marker lies in [baseOffset, endOffset): the log cleaner
   * replaced those segments (their files went with them) after removing those transactions' records.
   */
  forgetMarkersIn(baseOffset: number, endOffset: number): void {
    if (this.entries.some((e) => e.lastOffset >= baseOffset && e.lastOffset < endOffset)) {
      this.entries = this.entries.filter((e) => e.lastOffset < baseOffset || e.lastOffset >= endOffset);
    }
  }

  /** The aborted transactions that overlap [fromOffset, toOffsetExclusive), in marker order. */
  collect(fromOffset: number, toOffsetExclusive: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    // Binary search for the first entry whose marker is at or past fromOffset.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.lastOffset < fromOffset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.firstOffset < toOffsetExclusive) out.push(e);
    }
    return out;
  }

  clear(): void {
    this.entries = [];
  }

  private baseFor(offset: number): number {
    const bases = this.segmentBases();
    let base = bases[0] ?? 0;
    for (const b of bases) {
      if (b <= offset) base = b;
      else break;
    }
    return base;
  }

  private writeFile(base: number, entries: AbortedTxn[]): void {
    const file = path.join(this.dir, segmentFileName(base, TXN_INDEX_SUFFIX));
    if (entries.length === 0) {
      fs.rmSync(file, { force: true });
      return;
    }
    const bytes = new Uint8Array(entries.length * TXN_INDEX_ENTRY_BYTES);
    entries.forEach((e, i) => bytes.set(encodeAbortedTxn(e), i * TXN_INDEX_ENTRY_BYTES));
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  }
}
