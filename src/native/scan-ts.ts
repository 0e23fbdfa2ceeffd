/** TypeScript fallback of the native batch scan; see NativeApi.scanBatches for the contract. */
import { crc32cTs } from "./crc32c-ts.ts";
import { SCAN_FIELDS } from "./types.ts";

const TWO_POW_32 = 4294967296;
/** A batch with no records: 61 bytes, i.e. batchLength 49. */
const MIN_BATCH_LENGTH = 49;

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
  while (count < capacity && end - pos >= 61) {
    const batchLength = int32(buf, pos + 8);
    if (batchLength < MIN_BATCH_LENGTH || batchLength > end - pos - 12) break;
    if (buf[pos + 16] !== 2) break;
    const baseOffset = int64(buf, pos);
    const lastOffsetDelta = int32(buf, pos + 23);
    if (baseOffset < 0 || lastOffsetDelta < 0) break;
    if (expected >= 0 && baseOffset !== expected) break;
    const lastOffset = baseOffset + lastOffsetDelta;
    if (offsetLimit >= 0 && lastOffset >= offsetLimit) break;
    const sizeBytes = 12 + batchLength;
    if (verifyCrc) {
      const stored = int32(buf, pos + 17) >>> 0;
      if (crc32cTs(buf.subarray(pos + 21, pos + sizeBytes)) !== stored) break;
    }
    const slot = count * SCAN_FIELDS;
    out[slot] = pos;
    out[slot + 1] = sizeBytes;
    out[slot + 2] = baseOffset;
    out[slot + 3] = lastOffset;
    out[slot + 4] = int64(buf, pos + 35);
    count++;
    pos += sizeBytes;
    if (expected >= 0) expected = lastOffset + 1;
  }
  return count;
}
