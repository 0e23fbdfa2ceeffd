/**
 * Verification of stored record batches (issue 26): the one check shared by the read path, the
 * scrubber, and follower appends. A range of a segment's `.log` bytes (format: segment.ts, header
 * layout: batch-header.ts) is valid when it is whole v2 batches back to back and each batch
 *
 *   framing   batchLength >= the header and the batch ends inside the range
 *   magic     = 2
 *   crc       CRC-32C of bytes 21..end equals the stored crc (native addon, ~11 GB/s)
 *   offsets   baseOffset is above the previous batch's lastOffset (and above `afterOffset`), the
 *             lastOffset is below `offsetLimit`; lastOffsetDelta >= 0
 *   epoch     partitionLeaderEpoch is -1 or more, and at most `maxLeaderEpoch` (the leader-epoch
 *             cache's latest)
 *
 * baseOffset, batchLength, partitionLeaderEpoch and magic lie outside the CRC; the offset and epoch
 * rules catch a changed baseOffset in a dense log (any change breaks the ordering with a
 * neighbour) and most changed epochs. The CRC runs batch by batch through the native scanner
 * (scanBatches), so small batches do not pay one N-API call each.
 */
import { SCAN_FIELDS, crc32c, scanBatches } from "../../native/index.ts";
import {
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_OVERHEAD_BYTES,
  CRC_POS,
  CRC_START_POS,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_POS,
  LEADER_EPOCH_POS,
  MAGIC_POS,
  baseOffsetAt,
  batchSizeAt,
  readInt32,
  readUint32,
} from "../batch-header.ts";

export type CorruptionReason = "framing" | "magic" | "crc" | "offsets" | "leader-epoch" | "index";

export interface BatchFault {
  /** Position of the first bad batch (relative to the buffer given). */
  position: number;
  reason: CorruptionReason;
  detail: string;
}

export interface RangeRules {
  /** Batches must start above this offset (the previous batch's last offset); -1: no rule. */
  afterOffset: number;
  /** Batches' last offsets must be below this; -1: no rule. */
  offsetLimit: number;
  /** Largest leader epoch a batch may carry; -1 (or less): no rule. */
  maxLeaderEpoch: number;
}

export interface VerifyResult {
  /** Position just past the last valid batch. */
  end: number;
  /** lastOffset of the last valid batch (rules.afterOffset when none). */
  lastOffset: number;
  batchCount: number;
  fault: BatchFault | null;
}

const SCAN_BATCHES_PER_CALL = 1024;
const scanOut = new Float64Array(SCAN_BATCHES_PER_CALL * SCAN_FIELDS);

/** Verifies the batches in buf[from, to); stops at the first bad one (see the header for the rules). */
export function verifyBatches(buf: Uint8Array, from: number, to: number, rules: RangeRules): VerifyResult {
  const bounded = to < buf.length ? buf.subarray(0, to) : buf;
  let pos = from;
  let last = rules.afterOffset;
  let count = 0;
  // The previous batch of this range (position, and the last offset before it): an offset rule
  // broken between two batches does not say which of them changed, so neither is served.
  let prevAt = -1;
  let lastBeforePrev = rules.afterOffset;
  while (pos < to) {
    const n = scanBatches(bounded, pos, -1, -1, true, scanOut);
    for (let i = 0; i < n; i++) {
      const s = i * SCAN_FIELDS;
      const at = scanOut[s];
      const base = scanOut[s + 2];
      const lastOffset = scanOut[s + 3];
      if ((last >= 0 || rules.afterOffset >= 0) && base <= last) {
        const detail = `baseOffset ${base} is not above the previous last offset ${last}`;
        if (prevAt >= 0) return { end: prevAt, lastOffset: lastBeforePrev, batchCount: count - 1, fault: { position: prevAt, reason: "offsets", detail: `${detail} (the batch before it, or this one, changed)` } };
        return { end: at, lastOffset: last, batchCount: count, fault: { position: at, reason: "offsets", detail } };
      }
      if (rules.offsetLimit >= 0 && lastOffset >= rules.offsetLimit) {
        return { end: at, lastOffset: last, batchCount: count, fault: { position: at, reason: "offsets", detail: `lastOffset ${lastOffset} is not below ${rules.offsetLimit}` } };
      }
      const epoch = readInt32(bounded, at + LEADER_EPOCH_POS);
      if (epoch < -1) {
        return { end: at, lastOffset: last, batchCount: count, fault: { position: at, reason: "leader-epoch", detail: `partitionLeaderEpoch ${epoch} is negative (only -1, none, is allowed)` } };
      }
      if (rules.maxLeaderEpoch >= 0 && epoch > rules.maxLeaderEpoch) {
        return { end: at, lastOffset: last, batchCount: count, fault: { position: at, reason: "leader-epoch", detail: `partitionLeaderEpoch ${epoch} is above the latest epoch ${rules.maxLeaderEpoch}` } };
      }
      lastBeforePrev = last;
      prevAt = at;
      last = lastOffset;
      count++;
      pos = at + scanOut[s + 1];
    }
    if (n < SCAN_BATCHES_PER_CALL) break;
  }
  if (pos >= to) return { end: pos, lastOffset: last, batchCount: count, fault: null };
  return { end: pos, lastOffset: last, batchCount: count, fault: { position: pos, ...explain(bounded, pos, to) } };
}

/** Why the batch at `pos` was refused by the scanner (it stopped there). */
function explain(buf: Uint8Array, pos: number, to: number): { reason: CorruptionReason; detail: string } {
  if (to - pos < BATCH_HEADER_BYTES) return { reason: "framing", detail: `${to - pos} bytes left, less than a batch header` };
  const size = batchSizeAt(buf, pos);
  if (size < BATCH_HEADER_BYTES || size > to - pos) return { reason: "framing", detail: `batch length ${size - BATCH_LENGTH_OVERHEAD_BYTES} does not fit (${to - pos} bytes left)` };
  if (buf[pos + MAGIC_POS] !== CURRENT_MAGIC) return { reason: "magic", detail: `magic ${buf[pos + MAGIC_POS]}` };
  const stored = readUint32(buf, pos + CRC_POS);
  const computed = crc32c(buf.subarray(pos + CRC_START_POS, pos + size));
  if (stored !== computed) return { reason: "crc", detail: `stored CRC-32C ${hex(stored)}, computed ${hex(computed)}` };
  if (readInt32(buf, pos + LAST_OFFSET_DELTA_POS) < 0) return { reason: "offsets", detail: "negative lastOffsetDelta" };
  if (baseOffsetAt(buf, pos) < 0) return { reason: "offsets", detail: "negative baseOffset" };
  return { reason: "framing", detail: "refused by the batch scanner" };
}

function hex(v: number): string {
  return "0x" + v.toString(16).padStart(8, "0");
}
