/**
 * The corrupt ranges known in one partition log: where a batch failed verification (verify.ts),
 * found by a read, the scrubber, or a repair that did not take. A range starts at the bad batch and
 * runs to the end of its segment (nothing after a bad batch's framing can be trusted without a
 * resync), so in offsets it is [firstOffset, endOffset): firstOffset is the offset after the last
 * valid batch before it, endOffset the segment's next offset. At most MAX_CORRUPT_RANGES are kept
 * (one per segment: a second fault further on in the same segment is inside the first range).
 */
import type { CorruptionReason } from "./verify.ts";

export const MAX_CORRUPT_RANGES = 64;

export type CorruptionSource = "read" | "scrub" | "repair";

export interface CorruptRange {
  topic: string;
  partition: number;
  segmentBaseOffset: number;
  file: string;
  /** Byte position of the bad batch in `file`. */
  position: number;
  /** Bytes from `position` to the segment's logical end. */
  sizeBytes: number;
  firstOffset: number;
  endOffset: number;
  reason: CorruptionReason;
  detail: string;
  detectedBy: CorruptionSource;
  detectedAtMs: number;
}

export class CorruptRanges {
  private ranges: CorruptRange[] = [];
  /** Ranges that did not fit (MAX_CORRUPT_RANGES): still reported as a count. */
  dropped = 0;

  /** Records a range; false when the segment already has one at or before that position. */
  add(range: CorruptRange): boolean {
    const same = this.ranges.find((r) => r.segmentBaseOffset === range.segmentBaseOffset);
    if (same && same.position <= range.position) return false;
    if (same) this.ranges = this.ranges.filter((r) => r !== same);
    if (this.ranges.length >= MAX_CORRUPT_RANGES) {
      this.dropped++;
      return true;
    }
    this.ranges.push(range);
    this.ranges.sort((a, b) => a.firstOffset - b.firstOffset);
    return true;
  }

  /** The range of a segment that starts at or before `position`, if any. */
  inSegment(segmentBaseOffset: number, position = Infinity): CorruptRange | undefined {
    return this.ranges.find((r) => r.segmentBaseOffset === segmentBaseOffset && r.position <= position);
  }

  /** The range holding `offset`, if any. */
  holding(offset: number): CorruptRange | undefined {
    return this.ranges.find((r) => r.firstOffset <= offset && offset < r.endOffset);
  }

  /** Forgets a segment's range (repaired, truncated away or deleted). */
  clearSegment(segmentBaseOffset: number): void {
    this.ranges = this.ranges.filter((r) => r.segmentBaseOffset !== segmentBaseOffset);
  }

  /** Keeps only the ranges of segments for which `alive` says yes. */
  retain(alive: (segmentBaseOffset: number) => boolean): void {
    this.ranges = this.ranges.filter((r) => alive(r.segmentBaseOffset));
  }

  list(): readonly CorruptRange[] {
    return this.ranges;
  }

  get size(): number {
    return this.ranges.length;
  }
}
