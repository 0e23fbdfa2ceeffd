/**
 * A growable big-endian writer that can splice in large byte ranges without copying them.
 * `splice(bytes)` ends the current chunk and appends the caller's view as its own chunk, so a
 * Fetch response can carry memory-mapped segment bytes straight to the socket. `finish()`
 * returns the chunks; their concatenation is the encoded message.
 */
import { uuidFromString } from "./reader.ts";

const textEncoder = new TextEncoder();
/** Byte ranges at least this large are spliced as their own chunk instead of copied. */
export const SPLICE_THRESHOLD_BYTES = 4096;

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  /** Start of the part of buf not yet handed out as a chunk. */
  private chunkStart = 0;
  private readonly chunks: Uint8Array[] = [];
  /** Sum of the lengths of `chunks`. */
  private pushedBytes = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far, spliced chunks included. */
  get length(): number {
    return this.pushedBytes + this.pos - this.chunkStart;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const needed = this.pos - this.chunkStart + n;
    let size = Math.max(this.buf.length * 2, 64);
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    // Only the unflushed tail moves; earlier chunks keep referencing the old buffer.
    next.set(this.buf.subarray(this.chunkStart, this.pos));
    this.pos -= this.chunkStart;
    this.chunkStart = 0;
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  int8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.pos++, v);
  }
  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }
  int16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  int64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, BigInt.asIntN(64, v));
    this.pos += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }
  uvarint(v: number): void {
    this.ensure(5);
    let n = v >>> 0;
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }
  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  varlong(v: bigint): void {
    this.ensure(10);
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (n >= 0x80n) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
  }
  uuid(v: string): void {
    this.raw(uuidFromString(v));
  }

  /** Copies bytes in. */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Appends bytes by reference when they are large, by copy when small. */
  splice(bytes: Uint8Array): void {
    if (bytes.length < SPLICE_THRESHOLD_BYTES) {
      this.raw(bytes);
      return;
    }
    this.pushPending();
    this.chunks.push(bytes);
    this.pushedBytes += bytes.length;
  }

  private pushPending(): void {
    if (this.pos > this.chunkStart) {
      this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.pushedBytes += this.pos - this.chunkStart;
      // Later writes continue in the same buffer after the pushed region, which stays intact.
      this.chunkStart = this.pos;
    }
  }

  finish(): Uint8Array[] {
    this.pushPending();
    return this.chunks;
  }

  /** The whole output as one buffer (copies when spliced chunks exist). */
  toBytes(): Uint8Array {
    return concat(this.finish());
  }
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
