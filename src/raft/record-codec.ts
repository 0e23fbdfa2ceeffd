/**
 * Binary encoding of one store write (hard state, snapshot, entries) as the payload of a file-store
 * record. All integers big-endian; 64-bit values are written as two u32 halves and must stay below
 * 2^53. Layout (see file-store.ts for the framing around it):
 *
 *   u8  version (= 1)
 *   u8  flags: bit 0 hard state present, bit 1 snapshot present
 *   [hard state]  u64 term, u32 vote, u64 commit
 *   [snapshot]    u64 index, u64 term, u32 confLength, conf bytes (config.ts), u32 dataLength, data
 *   u32 entryCount, then per entry: u64 index, u64 term, u8 kind (0 normal, 1 conf), u32 dataLength, data
 */
import { decodeConf, encodeConf } from "./config.ts";
import type { Entry, HardState, Snapshot } from "./types.ts";

const VERSION = 1;
const FLAG_HARD_STATE = 1;
const FLAG_SNAPSHOT = 2;

export interface SaveRecord {
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

class Writer {
  private buf: Uint8Array;
  private view: DataView;
  off = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  u8(v: number): void {
    this.view.setUint8(this.off, v);
    this.off += 1;
  }
  u32(v: number): void {
    this.view.setUint32(this.off, v);
    this.off += 4;
  }
  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64 out of range: ${v}`);
    this.u32(Math.floor(v / 4294967296));
    this.u32(v >>> 0);
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }
  done(): Uint8Array {
    if (this.off !== this.buf.length) throw new Error("record size miscomputed");
    return this.buf;
  }
}

class Reader {
  private readonly view: DataView;
  off = 0;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new RangeError("record truncated");
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.off++);
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.off);
    this.off += 4;
    return v;
  }
  u64(): number {
    const hi = this.u32();
    const lo = this.u32();
    return hi * 4294967296 + lo;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = this.buf.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }
  atEnd(): boolean {
    return this.off === this.buf.length;
  }
}

export function encodeRecord(r: SaveRecord): Uint8Array {
  const conf = r.snapshot ? encodeConf(r.snapshot.meta.conf) : null;
  let size = 2 + 4;
  if (r.hardState) size += 20;
  if (r.snapshot) size += 16 + 4 + conf!.length + 4 + r.snapshot.data.length;
  for (const e of r.entries) size += 21 + e.data.length;
  const w = new Writer(size);
  w.u8(VERSION);
  w.u8((r.hardState ? FLAG_HARD_STATE : 0) | (r.snapshot ? FLAG_SNAPSHOT : 0));
  if (r.hardState) {
    w.u64(r.hardState.term);
    w.u32(r.hardState.vote);
    w.u64(r.hardState.commit);
  }
  if (r.snapshot) {
    w.u64(r.snapshot.meta.index);
    w.u64(r.snapshot.meta.term);
    w.bytes(conf!);
    w.bytes(r.snapshot.data);
  }
  w.u32(r.entries.length);
  for (const e of r.entries) {
    w.u64(e.index);
    w.u64(e.term);
    w.u8(e.kind === "conf" ? 1 : 0);
    w.bytes(e.data);
  }
  return w.done();
}

export function decodeRecord(payload: Uint8Array): SaveRecord {
  const r = new Reader(payload);
  const version = r.u8();
  if (version !== VERSION) throw new RangeError(`unknown record version ${version}`);
  const flags = r.u8();
  let hardState: HardState | null = null;
  let snapshot: Snapshot | null = null;
  if (flags & FLAG_HARD_STATE) hardState = { term: r.u64(), vote: r.u32(), commit: r.u64() };
  if (flags & FLAG_SNAPSHOT) {
    const index = r.u64();
    const term = r.u64();
    const conf = decodeConf(r.bytes());
    snapshot = { meta: { index, term, conf }, data: r.bytes() };
  }
  const count = r.u32();
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const index = r.u64();
    const term = r.u64();
    const kind = r.u8();
    if (kind > 1) throw new RangeError(`unknown entry kind ${kind}`);
    entries.push({ index, term, kind: kind === 1 ? "conf" : "normal", data: r.bytes() });
  }
  if (!r.atEnd()) throw new RangeError("trailing bytes in record");
  return { hardState, snapshot, entries };
}
