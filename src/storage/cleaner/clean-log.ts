/**
 * One cleaning of one compacted partition log (Kafka's Cleaner.clean), as passes:
 *
 * 1. Range. Cleanable segments: the sealed ones (never the active segment) wholly below the high
 *    watermark and the first unstable offset (the oldest ongoing transaction's first), up to the first one holding a record younger than min.compaction.lag.ms. Dirty:
 *    those at or past the cleaner offset (the first dirty offset, kept in cleaner-offset-checkpoint).
 *    The log is cleaned when dirty bytes / cleanable bytes >= min.cleanable.dirty.ratio, or when a
 *    dirty segment is older than max.compaction.lag.ms (we use the segment's newest timestamp).
 * 2. Map. Keys of the dirty section go into the offset map (key -> latest offset) until it is full;
 *    mapEnd is the first offset not mapped. Control batches and aborted transactions are not mapped.
 * 3. Rewrite. Segments from the log start with records below mapEnd are rewritten in groups (small
 *    neighbours merged while the group's size stays <= segment.bytes), each by the swap protocol
 *    (swap.ts), oldest group first. Per record below mapEnd: kept when it has no key, or when it is
 *    its key's latest (the map holds no later offset), except a tombstone that lay in the clean
 *    section when this cleaning began (below the cleaner offset it started from, so an earlier
 *    cleaning already removed the values it deletes) and whose batch's maxTimestamp is older than
 *    delete.retention.ms. Removing a value and its tombstone in one cleaning would let a reader
 *    that read the value before the swap miss the tombstone after it. (Kafka counts
 *    delete.retention.ms from the first cleaning instead; see docs/compaction.md.) Records at or
 *    past mapEnd are always kept.
 * 4. The cleaner offset moves to mapEnd; when the dirty section is not all mapped, another pass.
 *
 * Batches: records of one batch stay together in that batch, which keeps its baseOffset,
 * lastOffsetDelta, timestamps, producer fields and attributes and is recompressed with its codec;
 * offsets become gaps. An emptied batch is dropped except (a) the last data batch of a producer
 * (producerId >= 0) among the batches scanned, which carries its producer state (last offset and
 * sequence; a marker that is the producer's last batch is kept too, it carries the last epoch; at
 * most CLEANER_MAX_TRACKED_PRODUCERS_PER_LOG producers are tracked, and an emptied batch of a
 * producer past that bound is kept), and (b) the last batch
 * of a group, so the cleaned segment still ends where its sources ended (recovery checks that
 * segments abut); it is written as a 61-byte header with no records.
 *
 * Transactions (Kafka's rules; txn-tracker.ts follows them batch by batch): the cleanable range
 * also ends at the first unstable offset (the oldest ongoing transaction, from the log's owner,
 * PartitionLog.transactions), so no batch of an ongoing transaction is ever read. The records of
 * aborted transactions (the aborted-transaction index) are removed wherever they lie in a rewritten
 * segment, also past mapEnd, and never enter the map; committed transactional records are cleaned
 * like any other. A COMMIT/ABORT marker goes only when (1) no batch of its transaction was read in
 * this cleaning (all of them went in an earlier one, so a reader that read them before has the
 * marker after the swap), (2) its timestamp is older than delete.retention.ms (Kafka counts from the
 * cleaning that emptied the transaction; see docs/compaction.md), and (3) it is not its producer's
 * last batch (it carries the producer's epoch). The index entries of markers in a replaced group
 * leave with the sources' .txnindex files; the owner forgets them (segmentsReplaced).
 *
 * Concurrency: reads are views of the segments' mappings; between chunks the pass yields (and is
 * throttled), so produce and fetch go on; the swap itself (PartitionLog.replaceSegments) is the only
 * synchronous step on the partition. If the log changed under the pass (retention, truncation,
 * close), the swap refuses and the pass stops, deleting its file.
 */
import fs from "node:fs";
import path from "node:path";
import { baseOffsetAt, batchSizeAt, lastOffsetAt, maxTimestampAt } from "../batch-header.ts";
import { CLEANER_MAX_TRACKED_PRODUCERS_PER_LOG } from "../../limits.ts";
import { fsyncDir } from "../file-io.ts";
import type { PartitionLog } from "../partition-log.ts";
import { Segment } from "../segment.ts";
import {
  CONTROL_BIT,
  TRANSACTIONAL_BIT,
  batchAttributes,
  batchProducerId,
  rebuildBatch,
  recordsSection,
  storedRecords,
  type StoredRecord,
} from "./batch-records.ts";
import type { OffsetMap } from "./offset-map.ts";
import { TxnTracker, controlTypeOf } from "./txn-tracker.ts";
import { cleanedFileName, swapFileName } from "./swap.ts";
import type { IoThrottle } from "./throttle.ts";

/**
 * Bytes read from a segment per step (whole batches; at least one). Each step is one slice of the
 * event loop: 256 KiB keeps it to a few ms (1 MiB stalled clients for tens of ms under load).
 */
export const CLEAN_READ_CHUNK_BYTES = 256 * 1024;
/** Output buffered before a write to the `.cleaned` file. */
export const CLEAN_WRITE_CHUNK_BYTES = 1024 * 1024;

export interface CleanRange {
  /** Sealed segments below the uncleanable boundary, oldest first. */
  cleanable: Segment[];
  firstDirty: number;
  dirtyBytes: number;
  cleanableBytes: number;
  dirtyRatio: number;
  /** max.compaction.lag.ms passed for a dirty segment. */
  overdue: boolean;
}

export function cleanRange(log: PartitionLog, cleanerOffset: number, nowMs: number): CleanRange {
  const c = log.logConfig;
  const segments = log.segmentList();
  const cleanable: Segment[] = [];
  const stableEnd = Math.min(log.highWatermark, log.transactions?.firstUnstableOffset() ?? Infinity);
  for (let i = 0; i + 1 < segments.length; i++) {
    const s = segments[i];
    if (s.nextOffset > stableEnd) break;
    if (c.minCompactionLagMs > 0 && s.maxTimestampMs > nowMs - c.minCompactionLagMs) break;
    cleanable.push(s);
  }
  let firstDirty = Math.max(cleanerOffset, log.logStartOffset);
  if (firstDirty > log.logEndOffset) firstDirty = log.logStartOffset; // truncated below: clean again
  let dirtyBytes = 0;
  let cleanableBytes = 0;
  let overdue = false;
  for (const s of cleanable) {
    cleanableBytes += s.sizeBytes;
    if (s.nextOffset > firstDirty) {
      dirtyBytes += s.sizeBytes;
      if (Number.isFinite(c.maxCompactionLagMs) && s.maxTimestampMs >= 0 && nowMs - s.maxTimestampMs > c.maxCompactionLagMs) overdue = true;
    }
  }
  return { cleanable, firstDirty, dirtyBytes, cleanableBytes, dirtyRatio: cleanableBytes > 0 ? dirtyBytes / cleanableBytes : 0, overdue };
}

export function needsCleaning(log: PartitionLog, range: CleanRange): boolean {
  return log.logConfig.compact && range.dirtyBytes > 0 && (range.dirtyRatio >= log.logConfig.minCleanableDirtyRatio || range.overdue);
}

export interface CleanStats {
  passes: number;
  /** Bytes of the dirty section mapped (Kafka's "dirty bytes" for the MB/s figure). */
  dirtyBytesMapped: number;
  bytesRead: number;
  bytesWritten: number;
  segmentsSwapped: number;
  recordsRemoved: number;
  /** Records of aborted transactions removed (also counted in recordsRemoved). */
  abortedRecordsRemoved: number;
  /** COMMIT/ABORT markers removed. */
  markersRemoved: number;
  /** The cleaner offset after the cleaning. */
  cleanedTo: number;
  /** Why the cleaning stopped early, or null. */
  aborted: string | null;
}

class Aborted extends Error {}

/** Whole batches of `segment` from `from`, in chunks, as views; stops when the segment is gone. */
async function* batchesOf(log: PartitionLog, segment: Segment, from: number, throttle: IoThrottle, stats: CleanStats): AsyncGenerator<Uint8Array> {
  let offset = Math.max(from, segment.baseOffset);
  while (offset < segment.nextOffset) {
    if (log.isClosed || log.isOffline || !log.segmentList().includes(segment)) throw new Aborted("the log changed");
    const { view } = segment.read(offset, CLEAN_READ_CHUNK_BYTES, Infinity, true);
    if (view === null) return;
    let pos = 0;
    let last = 0;
    while (pos < view.length) {
      const size = batchSizeAt(view, pos);
      last = pos;
      yield view.subarray(pos, pos + size);
      pos += size;
    }
    offset = lastOffsetAt(view, last) + 1;
    stats.bytesRead += view.length;
    await throttle.take(view.length);
  }
}

function isControl(batch: Uint8Array): boolean {
  return (batchAttributes(batch) & CONTROL_BIT) !== 0;
}

/** The control type of a control batch (null when it holds no record). */
function controlType(batch: Uint8Array): number | null {
  const records = storedRecords(batch, recordsSection(batch));
  return records.length === 0 ? null : controlTypeOf(records[0].key);
}

function abortedOf(log: PartitionLog) {
  return log.transactions?.abortedTransactions() ?? [];
}

/** Step 2: maps the dirty section from `firstDirty`; returns mapEnd and the producers' last batches. */
async function buildMap(
  log: PartitionLog,
  dirty: Segment[],
  firstDirty: number,
  map: OffsetMap,
  throttle: IoThrottle,
  stats: CleanStats,
): Promise<number> {
  await map.clearInSteps(() => throttle.take(0));
  const txns = new TxnTracker(abortedOf(log), firstDirty);
  for (const segment of dirty) {
    for await (const batch of batchesOf(log, segment, firstDirty, throttle, stats)) {
      const last = lastOffsetAt(batch, 0);
      if (last < firstDirty) continue;
      const pid = batchProducerId(batch);
      const control = isControl(batch);
      if (control) {
        if (pid >= 0) txns.onControlBatch(pid, last, controlType(batch));
      } else if (!txns.onDataBatch(pid, (batchAttributes(batch) & TRANSACTIONAL_BIT) !== 0, last)) {
        const records = storedRecords(batch, recordsSection(batch));
        for (const r of records) {
          if (r.key === null || r.offset < firstDirty) continue;
          if (!map.put(r.key, r.offset)) return r.offset;
        }
      }
      stats.dirtyBytesMapped += batch.length;
    }
  }
  return dirty.length > 0 ? dirty[dirty.length - 1].nextOffset : firstDirty;
}

/** The last batches of each producer among the segments being cleaned, within a bound. */
interface ProducerLastBatches {
  /** Producer id -> base offset of its last data batch (it carries the producer's last sequence). */
  lastData: Map<number, number>;
  /** Producer id -> base offset of its last batch of any kind (a marker there carries the last epoch). */
  lastAny: Map<number, number>;
  /** More producers than the bound: those not tracked are unknown (their emptied batches stay). */
  overflow: boolean;
}

/** The last batches of each producer among `segments` (headers only), for at most `maxProducers` producers. */
async function lastProducerBatches(
  log: PartitionLog,
  segments: Segment[],
  maxProducers: number,
  throttle: IoThrottle,
  stats: CleanStats,
): Promise<ProducerLastBatches> {
  const lastData = new Map<number, number>();
  const lastAny = new Map<number, number>();
  let overflow = false;
  for (const segment of segments) {
    for await (const batch of batchesOf(log, segment, segment.baseOffset, throttle, stats)) {
      const pid = batchProducerId(batch);
      if (pid < 0) continue;
      if (lastAny.size >= maxProducers && !lastAny.has(pid)) {
        overflow = true;
        continue;
      }
      const base = baseOffsetAt(batch, 0);
      lastAny.set(pid, base);
      if (!isControl(batch)) lastData.set(pid, base);
    }
  }
  return { lastData, lastAny, overflow };
}

/** Groups consecutive segments whose summed size fits segment.bytes (and offsets one segment). */
function groupSegments(segments: Segment[], maxBytes: number): Segment[][] {
  const groups: Segment[][] = [];
  let current: Segment[] = [];
  let size = 0;
  for (const s of segments) {
    const span = s.nextOffset - (current[0]?.baseOffset ?? s.baseOffset);
    if (current.length > 0 && (size + s.sizeBytes > maxBytes || span > 2 ** 31 - 1)) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(s);
    size += s.sizeBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Test hook: the disk state a crash would leave at a step of the swap (the pass stops there with
 * SimulatedCrash and the caller abandons the log, as after a power cut).
 */
export type CrashPoint = "cleaned-written" | "swap-committed" | "sources-half-deleted";

export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

interface FilterContext {
  crashAt?: CrashPoint;
  /** Transactions met in this pass's scan from the log start. */
  txns: TxnTracker;
  /** Markers kept in an earlier pass of this cleaning because their transaction still had batches. */
  markersWithData: Set<number>;
  map: OffsetMap;
  mapEnd: number;
  nowMs: number;
  deleteRetentionMs: number;
  /** The cleaner offset when this cleaning began: only tombstones below it may go (see above). */
  cleanBefore: number;
  producerLast: ProducerLastBatches;
}

/** Whether the batch holds producer state to keep: its producer's last data batch, or a marker that is its last batch. */
function carriesProducerState(batch: Uint8Array, ctx: FilterContext): boolean {
  const pid = batchProducerId(batch);
  if (pid < 0) return false;
  const { lastData, lastAny, overflow } = ctx.producerLast;
  if (!lastAny.has(pid)) return overflow;
  return (isControl(batch) ? lastAny.get(pid) : lastData.get(pid)) === baseOffsetAt(batch, 0);
}

/** A control batch as it goes to the cleaned segment (see "Transactions" above). */
function filterControlBatch(batch: Uint8Array, ctx: FilterContext, lastOfGroup: boolean, stats: CleanStats): Uint8Array | null {
  const pid = batchProducerId(batch);
  if (pid < 0) return batch;
  const base = baseOffsetAt(batch, 0);
  const section = recordsSection(batch);
  const records = storedRecords(batch, section);
  const discardable = ctx.txns.onControlBatch(pid, lastOffsetAt(batch, 0), records.length === 0 ? null : controlTypeOf(records[0].key));
  if (!discardable) {
    ctx.markersWithData.add(base);
    return batch;
  }
  if (ctx.markersWithData.has(base) || ctx.nowMs - maxTimestampAt(batch, 0) <= ctx.deleteRetentionMs || carriesProducerState(batch, ctx)) return batch;
  if (records.length > 0) stats.markersRemoved++;
  if (!lastOfGroup) return null;
  return records.length === 0 ? batch : rebuildBatch(batch, section, []);
}

/** The batch as it goes to the cleaned segment: the same bytes, a rebuilt batch, or null (dropped). */
function filterBatch(batch: Uint8Array, ctx: FilterContext, lastOfGroup: boolean, stats: CleanStats): Uint8Array | null {
  if (isControl(batch)) return filterControlBatch(batch, ctx, lastOfGroup, stats);
  const aborted = ctx.txns.onDataBatch(batchProducerId(batch), (batchAttributes(batch) & TRANSACTIONAL_BIT) !== 0, lastOffsetAt(batch, 0));
  if (!aborted && baseOffsetAt(batch, 0) >= ctx.mapEnd) return batch;
  const section = recordsSection(batch);
  const records = storedRecords(batch, section);
  const tombstonesExpired = ctx.nowMs - maxTimestampAt(batch, 0) > ctx.deleteRetentionMs;
  const kept: StoredRecord[] = [];
  if (!aborted) {
    for (const r of records) {
      if (r.offset >= ctx.mapEnd || r.key === null) {
        kept.push(r);
        continue;
      }
      const latest = ctx.map.get(r.key);
      if (latest > r.offset) continue;
      if (r.tombstone && tombstonesExpired && r.offset < ctx.cleanBefore) continue;
      kept.push(r);
    }
  } else {
    stats.abortedRecordsRemoved += records.length;
  }
  stats.recordsRemoved += records.length - kept.length;
  if (kept.length === records.length) return batch;
  if (kept.length === 0 && !carriesProducerState(batch, ctx) && !lastOfGroup) return null;
  return rebuildBatch(batch, section, kept);
}

/** Step 3 for one group: writes `.cleaned`, commits it as `.swap`, swaps it in. */
async function cleanGroup(log: PartitionLog, group: Segment[], ctx: FilterContext, throttle: IoThrottle, stats: CleanStats): Promise<void> {
  const base = group[0].baseOffset;
  const end = group[group.length - 1].nextOffset;
  const cleanedPath = path.join(log.dir, cleanedFileName(base, end));
  const swapPath = path.join(log.dir, swapFileName(base, end));
  const fd = fs.openSync(cleanedPath, "w");
  let committed = false;
  try {
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let position = 0;
    const flush = () => {
      if (pendingBytes === 0) return;
      const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
      let done = 0;
      while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
      position += buf.length;
      stats.bytesWritten += buf.length;
      pending = [];
      pendingBytes = 0;
    };
    for (const segment of group) {
      for await (const batch of batchesOf(log, segment, segment.baseOffset, throttle, stats)) {
        const lastOfGroup = segment === group[group.length - 1] && lastOffsetAt(batch, 0) + 1 === end;
        const out = filterBatch(batch, ctx, lastOfGroup, stats);
        if (out === null) continue;
        // A view of a mapping must not be held across writes of others: copy kept source bytes.
        pending.push(out === batch ? batch.slice() : out);
        pendingBytes += out.length;
        if (pendingBytes >= CLEAN_WRITE_CHUNK_BYTES) {
          flush();
          await throttle.take(0);
        }
      }
    }
    flush();
    // On the thread pool: a sync fsync of a large cleaned file would stall the event loop.
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));
    fs.closeSync(fd);
    if (ctx.crashAt === "cleaned-written") {
      committed = true;
      throw new SimulatedCrash(ctx.crashAt);
    }
    fs.renameSync(cleanedPath, swapPath);
    fsyncDir(log.dir);
    committed = true;
    if (ctx.crashAt === "swap-committed") throw new SimulatedCrash(ctx.crashAt);
    if (ctx.crashAt === "sources-half-deleted") {
      Segment.deleteFiles(log.dir, group[0].baseOffset);
      throw new SimulatedCrash(ctx.crashAt);
    }
    if (log.isClosed || log.isOffline || !log.replaceSegments(group, swapPath)) {
      fs.rmSync(swapPath, { force: true });
      throw new Aborted("the log changed before the swap");
    }
    stats.segmentsSwapped += group.length;
  } catch (error) {
    if (!committed) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(cleanedPath, { force: true });
    }
    throw error;
  }
}

/**
 * Cleans `log` from `cleanerOffset` with `map` (several passes when the dirty section has more keys
 * than the map holds). Never throws for a log that changed meanwhile: stats.aborted says why.
 */
export async function cleanLog(
  log: PartitionLog,
  cleanerOffset: number,
  map: OffsetMap,
  throttle: IoThrottle,
  nowMs: number = Date.now(),
  options: { maxPasses?: number; crashAt?: CrashPoint; maxTrackedProducers?: number } = {},
): Promise<CleanStats> {
  const maxPasses = options.maxPasses ?? 1000;
  const stats: CleanStats = { passes: 0, dirtyBytesMapped: 0, bytesRead: 0, bytesWritten: 0, segmentsSwapped: 0, recordsRemoved: 0, abortedRecordsRemoved: 0, markersRemoved: 0, cleanedTo: cleanerOffset, aborted: null };
  let cleanBefore = -1;
  const markersWithData = new Set<number>();
  try {
    for (let pass = 0; pass < maxPasses; pass++) {
      const range = cleanRange(log, stats.cleanedTo, nowMs);
      if (cleanBefore < 0) cleanBefore = range.firstDirty;
      stats.cleanedTo = range.firstDirty;
      const dirty = range.cleanable.filter((s) => s.nextOffset > range.firstDirty);
      if (dirty.length === 0) break;
      const mapEnd = await buildMap(log, dirty, range.firstDirty, map, throttle, stats);
      if (mapEnd <= range.firstDirty) {
        stats.aborted = "offset map too small for one record";
        break;
      }
      const targets = range.cleanable.filter((s) => s.baseOffset < mapEnd);
      const maxProducers = options.maxTrackedProducers ?? CLEANER_MAX_TRACKED_PRODUCERS_PER_LOG;
      const producerLast = await lastProducerBatches(log, range.cleanable, maxProducers, throttle, stats);
      const txns = new TxnTracker(abortedOf(log), targets[0]?.baseOffset ?? range.firstDirty);
      const ctx: FilterContext = { txns, markersWithData, map, mapEnd, nowMs, deleteRetentionMs: log.logConfig.deleteRetentionMs, cleanBefore, producerLast, crashAt: options.crashAt };
      for (const group of groupSegments(targets, log.logConfig.segmentBytes)) await cleanGroup(log, group, ctx, throttle, stats);
      stats.passes++;
      stats.cleanedTo = mapEnd;
      if (mapEnd >= dirty[dirty.length - 1].nextOffset) break;
    }
  } catch (error) {
    if (!(error instanceof Aborted)) throw error;
    stats.aborted = error.message;
  }
  return stats;
}
