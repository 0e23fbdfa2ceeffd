/**
 * A bounded reader over one Kafka frame. Every read checks the bytes remaining first; every
 * length read from the wire is checked against the bytes remaining *before* anything is
 * allocated, so a lying length can never make us allocate or loop beyond the frame. Failures
 * throw DecodeError and nothing else.
 *
 * Wire primitives (Kafka protocol guide, "Protocol Primitive Types"):
 *   INT8/16/32/64, UINT16, UINT32 big-endian; FLOAT64 IEEE-754 big-endian; UUID 16 bytes;
 *   UNSIGNED_VARINT (7 bits a byte, little-endian groups, at most 5 bytes for 32 bits);
 *   VARINT / VARLONG zig-zag encoded (at most 5 / 10 bytes);
 *   STRING int16 length (-1 = null); COMPACT_STRING uvarint length+1 (0 = null);
 *   BYTES int32 length (-1 = null); COMPACT_BYTES uvarint length+1 (0 = null);
 *   ARRAY int32 count (-1 = null); COMPACT_ARRAY uvarint count+1 (0 = null).
 */

export class DecodeError extends Error {
  override name = "DecodeError";
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });

export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new DecodeError(`need ${n} bytes at position ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  uint8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned varint of at most 32 bits (5 bytes); longer or wider encodings are an error. */
  uvarint(): number {
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.uint8();
      if (i === 4 && b > 0x0f) throw new DecodeError("unsigned varint exceeds 32 bits");
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new DecodeError("unsigned varint longer than 5 bytes");
  }
  /** Zig-zag signed varint of at most 32 bits. */
  varint(): number {
    const u = this.uvarint();
    // u < 2^32: undo zig-zag without overflowing 32-bit operators.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  /** Zig-zag signed varlong of at most 64 bits (10 bytes). */
  varlong(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.uint8();
      if (i === 9 && b > 0x01) throw new DecodeError("varlong exceeds 64 bits");
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
    }
    throw new DecodeError("varlong longer than 10 bytes");
  }

  uuid(): string {
    this.need(16);
    const v = uuidToString(this.buf.subarray(this.pos, this.pos + 16));
    this.pos += 16;
    return v;
  }

  /** A view of the next n bytes, no copy; n was checked against what remains. */
  raw(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  utf8(n: number): string {
    this.need(n);
    const s = textDecoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  /** Length for STRING/BYTES/ARRAY in classic or compact form; null for the documented null. */
  private length(compact: boolean, wide: boolean): number | null {
    if (compact) {
      const n = this.uvarint();
      return n === 0 ? null : n - 1;
    }
    const n = wide ? this.int32() : this.int16();
    if (n === -1) return null;
    if (n < 0) throw new DecodeError(`negative length ${n}`);
    return n;
  }

  string(compact: boolean): string | null {
    const n = this.length(compact, false);
    return n === null ? null : this.utf8(n);
  }
  bytes(compact: boolean): Uint8Array | null {
    const n = this.length(compact, true);
    return n === null ? null : this.raw(n);
  }
  /**
   * Element count of an array. Each element takes at least one byte on the wire in every
   * schema we declare, so a count above the bytes remaining is a lie and is refused here.
   */
  arrayLength(compact: boolean): number | null {
    const n = this.length(compact, true);
    if (n !== null && n > this.remaining) {
      throw new DecodeError(`array of ${n} elements with ${this.remaining} bytes left`);
    }
    return n;
  }
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64URL_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_INDEX[B64URL.charCodeAt(i)] = i;

/** Kafka prints a Uuid as URL-safe base64 of its 16 bytes without padding (22 characters). */
export function uuidToString(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= 15; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64URL[(n >> 18) & 63] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63] + B64URL[n & 63];
  }
  const last = bytes[15];
  out += B64URL[last >> 2] + B64URL[(last & 3) << 4];
  return out;
}

export function uuidFromString(s: string): Uint8Array {
  if (s.length !== 22) throw new RangeError(`uuid string must be 22 characters: ${s}`);
  const out = new Uint8Array(16);
  let o = 0;
  for (let i = 0; i < 20; i += 4) {
    const n = (idx(s, i) << 18) | (idx(s, i + 1) << 12) | (idx(s, i + 2) << 6) | idx(s, i + 3);
    out[o++] = (n >> 16) & 255;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  out[15] = (idx(s, 20) << 2) | (idx(s, 21) >> 4);
  return out;
}
function idx(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const v = c < 128 ? B64URL_INDEX[c] : -1;
  if (v < 0) throw new RangeError(`bad uuid character in ${s}`);
  return v;
}

export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";
