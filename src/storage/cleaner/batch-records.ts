/**
 * Record-level access to one stored v2 batch for the cleaner: the offset, key and value-nullness of
 * each record, with the byte range of the record as stored, so a kept record is copied byte for
 * byte (the batch keeps its baseOffset and baseTimestamp, so offsetDelta and timestampDelta stay
 * right), and a batch rebuilt from kept records.
 *
 * Record grammar (Kafka v2): length varint | attributes int8 | timestampDelta varlong |
 * offsetDelta varint | keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
 * headerCount varint | headers. Only the fields up to the value length are parsed; every length is
 * checked against the record's own bounds.
 */
import { crc32c } from "../../native/index.ts";
import { compress, decompress } from "../../compression/index.ts";
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LENGTH,
  BATCH_OFFSET_PRODUCER_ID,
  BATCH_OFFSET_RECORD_COUNT,
} from "../../protocol/batch-layout.ts";
import { baseOffsetAt, readInt32, readInt64, writeInt32 } from "../batch-header.ts";

export const COMPRESSION_MASK = 0x07;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;

export interface StoredRecord {
  offset: number;
  key: Uint8Array | null;
  tombstone: boolean;
  /** Byte range in `records` (the uncompressed records section), length varint included. */
  start: number;
  end: number;
}

export class CorruptBatchError extends Error {
  override name = "CorruptBatchError";
}

export function batchAttributes(batch: Uint8Array): number {
  return (batch[BATCH_OFFSET_ATTRIBUTES] << 8) | batch[BATCH_OFFSET_ATTRIBUTES + 1];
}

export function batchProducerId(batch: Uint8Array): number {
  return readInt64(batch, BATCH_OFFSET_PRODUCER_ID);
}

export function batchRecordCount(batch: Uint8Array): number {
  return readInt32(batch, BATCH_OFFSET_RECORD_COUNT);
}

/** The uncompressed records section of a batch (a view when the batch is not compressed). */
export function recordsSection(batch: Uint8Array): Uint8Array {
  const codec = batchAttributes(batch) & COMPRESSION_MASK;
  const body = batch.subarray(BATCH_HEADER_BYTES);
  return codec === 0 ? body : decompress(codec, body);
}

function varint(buf: Uint8Array, at: { pos: number }, end: number): number {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (at.pos >= end) throw new CorruptBatchError("varint past the record end");
    const b = buf[at.pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      // zig-zag decode of a value that fits a double exactly for every length the log accepts
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    shift += 7;
  }
  throw new CorruptBatchError("varint longer than 10 bytes");
}

/** The records of a stored batch (given its uncompressed records section). */
export function storedRecords(batch: Uint8Array, records: Uint8Array): StoredRecord[] {
  const base = baseOffsetAt(batch, 0);
  const count = batchRecordCount(batch);
  if (count < 0 || count > records.length) throw new CorruptBatchError(`record count ${count}`);
  const out: StoredRecord[] = [];
  const at = { pos: 0 };
  for (let i = 0; i < count; i++) {
    const start = at.pos;
    const length = varint(records, at, records.length);
    if (length < 0 || at.pos + length > records.length) throw new CorruptBatchError(`record length ${length}`);
    const end = at.pos + length;
    at.pos += 1; // attributes
    varint(records, at, end); // timestampDelta
    const offsetDelta = varint(records, at, end);
    const keyLength = varint(records, at, end);
    let key: Uint8Array | null = null;
    if (keyLength >= 0) {
      if (at.pos + keyLength > end) throw new CorruptBatchError("key past the record end");
      key = records.subarray(at.pos, at.pos + keyLength);
      at.pos += keyLength;
    }
    const valueLength = varint(records, at, end);
    out.push({ offset: base + offsetDelta, key, tombstone: valueLength < 0, start, end });
    at.pos = end;
  }
  if (at.pos !== records.length) throw new CorruptBatchError("bytes after the last record");
  return out;
}

/**
 * The batch rebuilt with only `kept` records (copied as stored), recompressed with the batch's
 * codec; header fields other than batchLength, recordCount and CRC stay as they were (baseOffset,
 * lastOffsetDelta, timestamps, producer id/epoch/base sequence, attributes). With no records kept
 * the result is an empty batch, written uncompressed (as Kafka writes an empty header).
 */
export function rebuildBatch(batch: Uint8Array, records: Uint8Array, kept: StoredRecord[]): Uint8Array {
  let plainBytes = 0;
  for (const r of kept) plainBytes += r.end - r.start;
  const plain = new Uint8Array(plainBytes);
  let pos = 0;
  for (const r of kept) {
    plain.set(records.subarray(r.start, r.end), pos);
    pos += r.end - r.start;
  }
  let attributes = batchAttributes(batch);
  let codec = attributes & COMPRESSION_MASK;
  if (kept.length === 0) {
    attributes &= ~COMPRESSION_MASK;
    codec = 0;
  }
  const body = codec === 0 ? plain : compress(codec, plain);
  const out = new Uint8Array(BATCH_HEADER_BYTES + body.length);
  out.set(batch.subarray(0, BATCH_HEADER_BYTES));
  out.set(body, BATCH_HEADER_BYTES);
  writeInt32(out, BATCH_OFFSET_LENGTH, out.length - BATCH_LOG_OVERHEAD_BYTES);
  out[BATCH_OFFSET_ATTRIBUTES] = (attributes >> 8) & 0xff;
  out[BATCH_OFFSET_ATTRIBUTES + 1] = attributes & 0xff;
  writeInt32(out, BATCH_OFFSET_RECORD_COUNT, kept.length);
  writeInt32(out, BATCH_OFFSET_CRC, crc32c(out.subarray(BATCH_OFFSET_ATTRIBUTES)));
  return out;
}
