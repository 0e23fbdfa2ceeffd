/** Builds valid Kafka v2 record batches (uncompressed, real records) for storage and native tests. */
import { crc32cTs } from "../../src/native/crc32c-ts.ts";

export interface BatchSpec {
  baseOffset?: number;
  /** Number of records; lastOffsetDelta = recordCount - 1. */
  recordCount?: number;
  /** Bytes of value per record. */
  valueBytes?: number;
  baseTimestampMs?: number;
  /** Timestamp step between records. */
  timestampStepMs?: number;
  leaderEpoch?: number;
  /** Fill byte of the values (so batches differ). */
  fill?: number;
}

function zigzagVarint(value: number, out: number[]): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function putInt32(buf: Uint8Array, pos: number, v: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setInt32(pos, v);
}

function putInt64(buf: Uint8Array, pos: number, v: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setBigInt64(pos, BigInt(v));
}

export function buildBatch(spec: BatchSpec = {}): Uint8Array {
  const recordCount = spec.recordCount ?? 1;
  const valueBytes = spec.valueBytes ?? 16;
  const baseTs = spec.baseTimestampMs ?? 1_700_000_000_000;
  const stepMs = spec.timestampStepMs ?? 1;
  const records: number[] = [];
  for (let i = 0; i < recordCount; i++) {
    const body: number[] = [0];
    zigzagVarint(i * stepMs, body);
    zigzagVarint(i, body);
    zigzagVarint(-1, body);
    zigzagVarint(valueBytes, body);
    for (let b = 0; b < valueBytes; b++) body.push((spec.fill ?? 0x61) + ((i + b) % 7));
    zigzagVarint(0, body);
    zigzagVarint(body.length, records);
    for (const b of body) records.push(b);
  }
  const size = 61 + records.length;
  const batch = new Uint8Array(size);
  putInt64(batch, 0, spec.baseOffset ?? 0);
  putInt32(batch, 8, size - 12);
  putInt32(batch, 12, spec.leaderEpoch ?? 0);
  batch[16] = 2;
  // attributes 0 (no compression, CreateTime)
  putInt32(batch, 23, recordCount - 1);
  putInt64(batch, 27, baseTs);
  putInt64(batch, 35, baseTs + (recordCount - 1) * stepMs);
  putInt64(batch, 43, -1);
  batch[51] = 0xff;
  batch[52] = 0xff;
  putInt32(batch, 53, -1);
  putInt32(batch, 57, recordCount);
  batch.set(records, 61);
  new DataView(batch.buffer).setUint32(17, crc32cTs(batch.subarray(21)));
  return batch;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** A deterministic pseudo-random generator (xorshift32) for test data. */
export function makeRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}
