/** TypeScript fallback of the native batch scan; see NativeApi.scanBatches for the contract. */
import { crc32cTs } from "./crc32c-ts.ts";
import {
  BATCH_CRC_START,
  BATCH_CURRENT_MAGIC,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_MIN_LENGTH,
  BATCH_OFFSET_BASE_OFFSET,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_LENGTH,
  BATCH_OFFSET_MAGIC,
  BATCH_OFFSET_MAX_TIMESTAMP,
  SCAN_BASE_OFFSET,
  SCAN_FIELDS,
  SCAN_LAST_OFFSET,
  SCAN_MAX_TIMESTAMP,
  SCAN_POSITION,
  SCAN_SIZE_BYTES,
} from "../protocol/batch-layout.ts";

const TWO_POW_32 = 4294967296;

function int32(buf: Uint8Array, pos: number): number {
  return (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3];
}

function int64(buf: Uint8Array, pos: number): number {
  return int32(buf, pos) * TWO_POW_32 + (int32(buf, pos + 4) >>> 0);
}

export function scanBatchesTs(
  buf: Uint8Array,
  fromPosition: number,
  expectedBaseOffset: number,
  offsetLimit: number,
  verifyCrc: boolean,
  out: Float64Array,
): number {
  const capacity = Math.floor(out.length / SCAN_FIELDS);
  const end = buf.length;
  let pos = fromPosition;
  let expected = expectedBaseOffset;
  let count = 0;
  while (count < capacity && end - pos >= BATCH_HEADER_BYTES) {
    const batchLength = int32(buf, pos + BATCH_OFFSET_LENGTH);
    if (batchLength < BATCH_MIN_LENGTH || batchLength > end - pos - BATCH_LOG_OVERHEAD_BYTES) break;
    if (buf[pos + BATCH_OFFSET_MAGIC] !== BATCH_CURRENT_MAGIC) break;
    const baseOffset = int64(buf, pos + BATCH_OFFSET_BASE_OFFSET);
    const lastOffsetDelta = int32(buf, pos + BATCH_OFFSET_LAST_OFFSET_DELTA);
    if (baseOffset < 0 || lastOffsetDelta < 0) break;
    if (expected >= 0 && baseOffset !== expected) break;
    const lastOffset = baseOffset + lastOffsetDelta;
    if (offsetLimit >= 0 && lastOffset >= offsetLimit) break;
    const sizeBytes = BATCH_LOG_OVERHEAD_BYTES + batchLength;
    if (verifyCrc) {
      const stored = int32(buf, pos + BATCH_OFFSET_CRC) >>> 0;
      if (crc32cTs(buf.subarray(pos + BATCH_CRC_START, pos + sizeBytes)) !== stored) break;
    }
    const slot = count * SCAN_FIELDS;
    out[slot + SCAN_POSITION] = pos;
    out[slot + SCAN_SIZE_BYTES] = sizeBytes;
    out[slot + SCAN_BASE_OFFSET] = baseOffset;
    out[slot + SCAN_LAST_OFFSET] = lastOffset;
    out[slot + SCAN_MAX_TIMESTAMP] = int64(buf, pos + BATCH_OFFSET_MAX_TIMESTAMP);
    count++;
    pos += sizeBytes;
    if (expected >= 0) expected = lastOffset + 1;
  }
  return count;
}
