/**
 * The v2 record batch (magic 2), the unit Takhin stores and serves. All integers big-endian.
 *
 *   offset  field                 type
 *   0       baseOffset            INT64   stamped by the broker (outside the CRC)
 *   8       batchLength           INT32   bytes after this field: total size = 12 + batchLength
 *   12      partitionLeaderEpoch  INT32   stamped by the broker (outside the CRC)
 *   16      magic                 INT8    2
 *   17      crc                   UINT32  CRC-32C of bytes [21, end)
 *   21      attributes            INT16   bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4,
 *                                         4 zstd), bit 3 timestamp type (1 = LogAppendTime),
 *                                         bit 4 transactional, bit 5 control, bit 6 delete horizon
 *   23      lastOffsetDelta       INT32
 *   27      baseTimestamp         INT64
 *   35      maxTimestamp          INT64
 *   43      producerId            INT64
 *   51      producerEpoch         INT16
 *   53      baseSequence          INT32
 *   57      recordCount           INT32
 *   61      records               (compressed as a whole when compression != 0)
 *
 *   record := length:VARINT attributes:INT8 timestampDelta:VARLONG offsetDelta:VARINT
 *             keyLength:VARINT key valueLength:VARINT value headerCount:VARINT
 *             { headerKeyLength:VARINT headerKey headerValueLength:VARINT headerValue }
 *   (a length of -1 means null)
 *
 *   control record key   := version:INT16 type:INT16        (type 0 = ABORT, 1 = COMMIT)
 *   control record value := version:INT16 coordinatorEpoch:INT32
 *
 * The header offsets above are defined once, in batch-layout.ts (re-exported here), and shared
 * with src/storage, src/native and the C addon (native/src/batch_layout.h, generated).
 */
import { crc32c } from "../native/index.ts";
import { DecodeError, Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

// The header layout (offsets, sizes, scan slots) has one definition, in batch-layout.ts.
export * from "./batch-layout.ts";
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_BASE_OFFSET,
  BATCH_OFFSET_BASE_SEQUENCE,
  BATCH_OFFSET_BASE_TIMESTAMP,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_LEADER_EPOCH,
  BATCH_OFFSET_LENGTH,
  BATCH_OFFSET_MAGIC,
  BATCH_OFFSET_MAX_TIMESTAMP,
  BATCH_OFFSET_PRODUCER_EPOCH,
  BATCH_OFFSET_PRODUCER_ID,
  BATCH_OFFSET_RECORD_COUNT,
} from "./batch-layout.ts";

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof Compression;

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

function dv(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads the header of the batch starting at `pos`; throws DecodeError if it does not fit. */
export function readBatchHeader(buf: Uint8Array, pos = 0): BatchHeader {
  if (pos + BATCH_HEADER_BYTES > buf.length) throw new DecodeError(`batch header needs ${BATCH_HEADER_BYTES} bytes at ${pos}`);
  const v = dv(buf);
  return {
    baseOffset: v.getBigInt64(pos + BATCH_OFFSET_BASE_OFFSET),
    batchLength: v.getInt32(pos + BATCH_OFFSET_LENGTH),
    partitionLeaderEpoch: v.getInt32(pos + BATCH_OFFSET_LEADER_EPOCH),
    magic: v.getInt8(pos + BATCH_OFFSET_MAGIC),
    crc: v.getUint32(pos + BATCH_OFFSET_CRC),
    attributes: v.getInt16(pos + BATCH_OFFSET_ATTRIBUTES),
    lastOffsetDelta: v.getInt32(pos + BATCH_OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: v.getBigInt64(pos + BATCH_OFFSET_BASE_TIMESTAMP),
    maxTimestamp: v.getBigInt64(pos + BATCH_OFFSET_MAX_TIMESTAMP),
    producerId: v.getBigInt64(pos + BATCH_OFFSET_PRODUCER_ID),
    producerEpoch: v.getInt16(pos + BATCH_OFFSET_PRODUCER_EPOCH),
    baseSequence: v.getInt32(pos + BATCH_OFFSET_BASE_SEQUENCE),
    recordCount: v.getInt32(pos + BATCH_OFFSET_RECORD_COUNT),
  };
}

/** CRC-32C of the batch at `pos` as stored (bytes from attributes to the end). */
export function computeBatchCrc(buf: Uint8Array, pos: number, totalSizeBytes: number): number {
  return crc32c(buf.subarray(pos + BATCH_OFFSET_ATTRIBUTES, pos + totalSizeBytes));
}

export function stampBaseOffset(buf: Uint8Array, pos: number, baseOffset: bigint): void {
  dv(buf).setBigInt64(pos + BATCH_OFFSET_BASE_OFFSET, baseOffset);
}

export function stampLeaderEpoch(buf: Uint8Array, pos: number, epoch: number): void {
  dv(buf).setInt32(pos + BATCH_OFFSET_LEADER_EPOCH, epoch);
}

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface Record {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

const utf8 = new TextDecoder();

function nullableBytes(r: Reader): Uint8Array | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < 0) throw new DecodeError(`negative record field length ${n}`);
  return r.raw(n);
}

/**
 * Iterates the records of an uncompressed records section (`bytes` holds exactly the records
 * after the batch header). Every length is bounded by the record's own length.
 */
export function* iterateRecords(bytes: Uint8Array, recordCount: number): Generator<Record> {
  const r = new Reader(bytes);
  for (let i = 0; i < recordCount; i++) {
    const length = r.varint();
    if (length < 0) throw new DecodeError(`negative record length ${length}`);
    r.need(length);
    const rr = new Reader(bytes, r.pos, r.pos + length);
    r.pos += length;
    const attributes = rr.int8();
    const timestampDelta = rr.varlong();
    const offsetDelta = rr.varint();
    const key = nullableBytes(rr);
    const value = nullableBytes(rr);
    const headerCount = rr.varint();
    if (headerCount < 0 || headerCount > rr.remaining) throw new DecodeError(`bad header count ${headerCount}`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const kl = rr.varint();
      if (kl < 0) throw new DecodeError("null header key");
      const hk = utf8.decode(rr.raw(kl));
      headers.push({ key: hk, value: nullableBytes(rr) });
    }
    if (rr.remaining !== 0) throw new DecodeError(`record ${i} has ${rr.remaining} trailing bytes`);
    yield { attributes, timestampDelta, offsetDelta, key, value, headers };
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after the last record`);
}

export const ControlType = { ABORT: 0, COMMIT: 1 } as const;

/** The type of a control record (from its key), or null if the key is not a control key. */
export function controlRecordType(key: Uint8Array | null): number | null {
  if (!key || key.length < 4) return null;
  return dv(key).getInt16(2);
}

export interface NewRecord {
  key?: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
  timestampMs?: bigint;
}

export interface NewBatch {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  attributes?: number;
  baseTimestampMs?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  records: NewRecord[];
}

function writeNullableBytes(w: Writer, b: Uint8Array | null | undefined): void {
  if (b === null || b === undefined) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.raw(b);
}

/** Builds an uncompressed v2 batch with a correct CRC (for internal topics, markers and tests). */
export function buildRecordBatch(b: NewBatch): Uint8Array {
  const baseTs = b.baseTimestampMs ?? b.records[0]?.timestampMs ?? BigInt(Date.now());
  let maxTs = baseTs;
  const body = new Writer(256);
  const enc = new TextEncoder();
  b.records.forEach((rec, i) => {
    const ts = rec.timestampMs ?? baseTs;
    if (ts > maxTs) maxTs = ts;
    const one = new Writer(64);
    one.int8(0);
    one.varlong(ts - baseTs);
    one.varint(i);
    writeNullableBytes(one, rec.key);
    writeNullableBytes(one, rec.value);
    const headers = rec.headers ?? [];
    one.varint(headers.length);
    for (const h of headers) {
      const k = enc.encode(h.key);
      one.varint(k.length);
      one.raw(k);
      writeNullableBytes(one, h.value);
    }
    const bytes = one.toBytes();
    body.varint(bytes.length);
    body.raw(bytes);
  });
  const records = body.toBytes();
  const total = BATCH_HEADER_BYTES + records.length;
  const out = new Uint8Array(total);
  const v = dv(out);
  v.setBigInt64(0, b.baseOffset ?? 0n);
  v.setInt32(8, total - BATCH_LOG_OVERHEAD_BYTES);
  v.setInt32(12, b.partitionLeaderEpoch ?? -1);
  v.setInt8(16, 2);
  v.setInt16(21, b.attributes ?? 0);
  v.setInt32(23, Math.max(0, b.records.length - 1));
  v.setBigInt64(27, baseTs);
  v.setBigInt64(35, maxTs);
  v.setBigInt64(43, b.producerId ?? -1n);
  v.setInt16(51, b.producerEpoch ?? -1);
  v.setInt32(53, b.baseSequence ?? -1);
  v.setInt32(57, b.records.length);
  out.set(records, BATCH_HEADER_BYTES);
  v.setUint32(17, crc32c(out.subarray(BATCH_OFFSET_ATTRIBUTES)));
  return out;
}
