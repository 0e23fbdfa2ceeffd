/**
 * The Kafka v2 record batch header, as far as storage needs it (the offsets are defined once, in
 * src/protocol/batch-layout.ts). All fields are big-endian.
 *
 *   0 baseOffset int64 | 8 batchLength int32 (bytes after this field) | 12 partitionLeaderEpoch int32
 *  16 magic int8 (=2)  | 17 crc uint32 (CRC-32C of bytes 21..end)      | 21 attributes int16
 *  23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64 | 43 producerId int64
 *  51 producerEpoch int16   | 53 baseSequence int32  | 57 recordCount int32  | 61 records
 *
 * baseOffset and partitionLeaderEpoch lie outside the CRC, so the log stamps them in place.
 * Offsets and timestamps are kept as JS numbers (exact below 2^53).
 */

// The layout has one definition (src/protocol/batch-layout.ts); storage keeps its names.
export {
  BATCH_OFFSET_BASE_OFFSET as BASE_OFFSET_POS,
  BATCH_OFFSET_LENGTH as BATCH_LENGTH_POS,
  BATCH_OFFSET_LEADER_EPOCH as LEADER_EPOCH_POS,
  BATCH_OFFSET_MAGIC as MAGIC_POS,
  BATCH_OFFSET_CRC as CRC_POS,
  BATCH_OFFSET_ATTRIBUTES as ATTRIBUTES_POS,
  BATCH_OFFSET_LAST_OFFSET_DELTA as LAST_OFFSET_DELTA_POS,
  BATCH_OFFSET_BASE_TIMESTAMP as BASE_TIMESTAMP_POS,
  BATCH_OFFSET_MAX_TIMESTAMP as MAX_TIMESTAMP_POS,
  BATCH_OFFSET_RECORD_COUNT as RECORD_COUNT_POS,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES as BATCH_LENGTH_OVERHEAD_BYTES,
  BATCH_CRC_START as CRC_START_POS,
  BATCH_CURRENT_MAGIC as CURRENT_MAGIC,
} from "../protocol/batch-layout.ts";
import {
  BATCH_LOG_OVERHEAD_BYTES as BATCH_LENGTH_OVERHEAD_BYTES,
  BATCH_OFFSET_BASE_OFFSET as BASE_OFFSET_POS,
  BATCH_OFFSET_LAST_OFFSET_DELTA as LAST_OFFSET_DELTA_POS,
  BATCH_OFFSET_LENGTH as BATCH_LENGTH_POS,
  BATCH_OFFSET_MAX_TIMESTAMP as MAX_TIMESTAMP_POS,
} from "../protocol/batch-layout.ts";
/** attributes bit 3: the timestamps are LogAppendTime. */
export const TIMESTAMP_TYPE_LOG_APPEND_BIT = 0x08;

const TWO_POW_32 = 4294967296;

export function readInt32(buf: Uint8Array, pos: number): number {
  return (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3];
}

export function readUint32(buf: Uint8Array, pos: number): number {
  return readInt32(buf, pos) >>> 0;
}

export function readInt64(buf: Uint8Array, pos: number): number {
  return readInt32(buf, pos) * TWO_POW_32 + readUint32(buf, pos + 4);
}

export function writeInt32(buf: Uint8Array, pos: number, value: number): void {
  buf[pos] = value >>> 24;
  buf[pos + 1] = value >>> 16;
  buf[pos + 2] = value >>> 8;
  buf[pos + 3] = value;
}

export function writeInt64(buf: Uint8Array, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_POW_32);
  writeInt32(buf, pos, hi);
  writeInt32(buf, pos + 4, value - hi * TWO_POW_32);
}

/** Total size of the batch starting at `pos` (12 + batchLength). Does not check bounds. */
export function batchSizeAt(buf: Uint8Array, pos: number): number {
  return BATCH_LENGTH_OVERHEAD_BYTES + readInt32(buf, pos + BATCH_LENGTH_POS);
}

export function baseOffsetAt(buf: Uint8Array, pos: number): number {
  return readInt64(buf, pos + BASE_OFFSET_POS);
}

export function lastOffsetAt(buf: Uint8Array, pos: number): number {
  return baseOffsetAt(buf, pos) + readInt32(buf, pos + LAST_OFFSET_DELTA_POS);
}

export function maxTimestampAt(buf: Uint8Array, pos: number): number {
  return readInt64(buf, pos + MAX_TIMESTAMP_POS);
}
