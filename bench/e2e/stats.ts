/**
 * Percentiles and summaries of latency samples. Pure functions, no I/O.
 *
 * Percentiles use the nearest-rank method on the sorted samples: the p-th percentile is the
 * smallest sample such that at least p% of the samples are at or below it: with 1,000 samples,
 * p99 is the 990th smallest and p99.9 the 999th.
 */

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..100); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside 0..100`);
  // Rounded first: 0.999 * 1000 is 999.0000000000001 in floating point, whose ceiling is 1000.
  const rank = Math.max(1, Math.ceil(Math.round((p / 100) * n * 1e9) / 1e9));
  return sorted[Math.min(n, rank) - 1];
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  const n = sorted.length;
  return {
    count: n,
    mean: n ? sum / n : NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: n ? sorted[n - 1] : NaN,
  };
}

/** Median of a list (mean of the middle two when even); NaN when empty. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
