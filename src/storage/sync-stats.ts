/**
 * How long the broker's flushes wait on the disk: a process-wide histogram of fsync/fdatasync
 * durations per kind of file, read by /metrics (takhin_storage_fsync_seconds) on scrape.
 *
 * Kinds:
 *   log        a partition segment's data (Segment.flush, and the asynchronous flush of a rolled
 *              segment)
 *   index      a segment's offset or time index
 *   dir        a directory (after a create, rename or delete)
 *   wal        the metadata log and the Raft log (FramedFile.append, one fdatasync per append)
 *
 * The cost on the flush path is two performance.now() calls and an array increment, against an
 * fsync of 0.1 ms at best (FACTS.md). The bucket bounds are fixed so the counts are plain integers.
 */

export type SyncKind = "log" | "index" | "dir" | "wal";
export const SYNC_KINDS: readonly SyncKind[] = ["log", "index", "dir", "wal"];

/** Upper bounds in seconds: 50 µs to 10 s; a last bucket (+Inf) holds the rest. */
export const SYNC_BUCKETS_S: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export interface SyncHistogram {
  /** counts[i]: syncs at or under SYNC_BUCKETS_S[i] and above the previous bound (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sumSeconds: number;
  count: number;
}

const histograms = new Map<SyncKind, SyncHistogram>(
  SYNC_KINDS.map((k) => [k, { counts: new Float64Array(SYNC_BUCKETS_S.length + 1), sumSeconds: 0, count: 0 }]),
);

export function recordSync(kind: SyncKind, seconds: number): void {
  const h = histograms.get(kind)!;
  let i = 0;
  while (i < SYNC_BUCKETS_S.length && seconds > SYNC_BUCKETS_S[i]!) i++;
  h.counts[i]!++;
  h.sumSeconds += seconds;
  h.count++;
}

/** Runs `sync` and records how long it took under `kind` (also when it throws). */
export function timedSync(kind: SyncKind, sync: () => void): void {
  const startMs = performance.now();
  try {
    sync();
  } finally {
    recordSync(kind, (performance.now() - startMs) / 1000);
  }
}

/** The histogram of one kind, as it stands (the live object: read, do not change). */
export function syncHistogram(kind: SyncKind): SyncHistogram {
  return histograms.get(kind)!;
}
