/**
 * The functions the native addon provides. The TypeScript fallbacks implement the same signatures,
 * and one contract suite (test/native/contract.test.ts) runs against both.
 */

/** Float64 slots per batch in a `scanBatches` output array, and their order (one definition). */
export {
  SCAN_BASE_OFFSET,
  SCAN_FIELDS,
  SCAN_LAST_OFFSET,
  SCAN_MAX_TIMESTAMP,
  SCAN_POSITION,
  SCAN_SIZE_BYTES,
} from "../protocol/batch-layout.ts";

export interface NativeApi {
  /** CRC-32C (Castagnoli) of `data`, continuing from `initial` (default 0); unsigned 32-bit. */
  crc32c(data: Uint8Array, initial?: number): number;
  /**
   * Walks v2 batches in `buf` from `fromPosition` and writes, per valid batch, SCAN_FIELDS doubles
   * (position, sizeBytes, baseOffset, lastOffset, maxTimestamp) into `out`. Stops at the first batch
   * that is incomplete (runs past the end of `buf`), has a bad header (magic != 2, batchLength below
   * the header size, negative lastOffsetDelta or baseOffset), fails its CRC (when `verifyCrc`), does
   * not start at `expectedBaseOffset` (when >= 0; the expectation then advances to lastOffset + 1),
   * or reaches `offsetLimit` with its lastOffset (when >= 0), or when `out` is full.
   * Returns the number of batches written; a result below out.length / SCAN_FIELDS means the scan
   * stopped before `buf` ended only if the bytes after the last batch are not a valid batch.
   */
  scanBatches(
    buf: Uint8Array,
    fromPosition: number,
    expectedBaseOffset: number,
    offsetLimit: number,
    verifyCrc: boolean,
    out: Float64Array,
  ): number;
  /** Largest i < count with keys[i] <= target (keys ascending), or -1 when there is none. */
  floorIndex(keys: Uint32Array | Float64Array, count: number, target: number): number;
}
