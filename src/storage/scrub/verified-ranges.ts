/**
 * Byte ranges of one segment known to hold verified batches in this process (verify.ts): what was
 * appended here (checked before the append), scanned with CRC at recovery, read once, or scrubbed.
 * The read path verifies only what is not covered yet, so a range read again costs a lookup.
 *
 * Disjoint, sorted, merged [from, to) intervals; at most MAX_VERIFIED_RANGES (a reader jumping
 * around a segment cannot grow it without bound: past the limit the smallest interval is forgotten,
 * and is verified again when read).
 */
export const MAX_VERIFIED_RANGES = 256;

export class VerifiedRanges {
  /** from0, to0, from1, to1, ... ascending. */
  private bounds: number[] = [];

  get count(): number {
    return this.bounds.length / 2;
  }

  /** Whether [from, to) lies inside one verified interval. */
  covers(from: number, to: number): boolean {
    if (to <= from) return true;
    const b = this.bounds;
    // Binary search for the last interval starting at or before `from`.
    let lo = 0;
    let hi = b.length / 2 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid * 2] <= from) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && b[found * 2 + 1] >= to;
  }

  add(from: number, to: number): void {
    if (to <= from) return;
    const b = this.bounds;
    const out: number[] = [];
    let i = 0;
    while (i < b.length && b[i + 1] < from) {
      out.push(b[i], b[i + 1]);
      i += 2;
    }
    let f = from;
    let t = to;
    while (i < b.length && b[i] <= t) {
      f = Math.min(f, b[i]);
      t = Math.max(t, b[i + 1]);
      i += 2;
    }
    out.push(f, t);
    while (i < b.length) {
      out.push(b[i], b[i + 1]);
      i += 2;
    }
    if (out.length / 2 > MAX_VERIFIED_RANGES) {
      let smallest = 0;
      for (let k = 2; k < out.length; k += 2) if (out[k + 1] - out[k] < out[smallest + 1] - out[smallest]) smallest = k;
      out.splice(smallest, 2);
    }
    this.bounds = out;
  }

  /** Forgets everything at or past `position` (the segment was cut there). */
  clipTo(position: number): void {
    const out: number[] = [];
    for (let i = 0; i < this.bounds.length; i += 2) {
      const f = this.bounds[i];
      const t = Math.min(this.bounds[i + 1], position);
      if (t > f) out.push(f, t);
    }
    this.bounds = out;
  }

  /** Forgets [from, to) (bytes rewritten there must be verified again). */
  remove(from: number, to: number): void {
    const out: number[] = [];
    for (let i = 0; i < this.bounds.length; i += 2) {
      const f = this.bounds[i];
      const t = this.bounds[i + 1];
      if (t <= from || f >= to) {
        out.push(f, t);
        continue;
      }
      if (f < from) out.push(f, from);
      if (t > to) out.push(to, t);
    }
    this.bounds = out;
  }

  clear(): void {
    this.bounds = [];
  }

  /** The intervals (tests, tools). */
  list(): { from: number; to: number }[] {
    const out: { from: number; to: number }[] = [];
    for (let i = 0; i < this.bounds.length; i += 2) out.push({ from: this.bounds[i], to: this.bounds[i + 1] });
    return out;
  }
}
