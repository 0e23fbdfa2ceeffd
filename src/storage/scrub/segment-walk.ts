/**
 * Walking a segment's batch headers from its offset index (segment.ts, offset-index.ts), for the
 * rare paths that need to know what lies before a position: where a corrupt range starts in
 * offsets, and where a repair may write.
 */
import { BATCH_HEADER_BYTES, MAGIC_POS, CURRENT_MAGIC, batchSizeAt, baseOffsetAt, lastOffsetAt } from "../batch-header.ts";
import type { Segment } from "../segment.ts";

/** Headers read at most by one walk (an index entry every index.interval.bytes bounds it in practice). */
const MAX_WALK_BATCHES = 1_000_000;

/**
 * The last offset of the batches before `position` (the segment's base offset - 1 when there are
 * none); with gaps (a compacted segment) an upper bound of it. null when the walk from the nearest
 * index entry does not land on `position` (the headers before it are not trustworthy either).
 */
export function lastOffsetBefore(segment: Segment, position: number): number | null {
  if (position <= 0) return segment.baseOffset - 1;
  let from = 0;
  let after = segment.baseOffset - 1;
  for (const e of segment.indexEntries()) {
    if (e.position > position) break;
    from = e.position;
    after = e.offset - 1;
  }
  let pos = from;
  for (let n = 0; n < MAX_WALK_BATCHES && pos < position; n++) {
    const h = segment.readBytes(pos, BATCH_HEADER_BYTES);
    if (h.length < BATCH_HEADER_BYTES || h[MAGIC_POS] !== CURRENT_MAGIC) return null;
    const size = batchSizeAt(h, 0);
    if (size < BATCH_HEADER_BYTES) return null;
    after = lastOffsetAt(h, 0);
    pos += size;
  }
  return pos === position ? after : null;
}

/** The header fields of the batch at `position`, or null when no plausible header is there. */
export function headerAt(segment: Segment, position: number): { sizeBytes: number; baseOffset: number; lastOffset: number } | null {
  const h = segment.readBytes(position, BATCH_HEADER_BYTES);
  if (h.length < BATCH_HEADER_BYTES || h[MAGIC_POS] !== CURRENT_MAGIC) return null;
  const size = batchSizeAt(h, 0);
  if (size < BATCH_HEADER_BYTES) return null;
  return { sizeBytes: size, baseOffset: baseOffsetAt(h, 0), lastOffset: lastOffsetAt(h, 0) };
}
