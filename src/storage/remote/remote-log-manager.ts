/**
 * Tiered storage for one broker (Kafka's RemoteLogManager, KIP-405): copies rolled segments of the
 * partitions it leads to the object store, deletes remote segments past the topic's total
 * retention, and serves reads below the local log start from the remote tier.
 *
 * Copy (one uploader per partition, on its leader; at most maxConcurrentUploads partitions at once
 * across the broker, and at most uploadBytesPerSecond): the oldest sealed segment wholly below the
 * high watermark that extends past what is already remote. Its objects (object-keys.ts: the .log
 * bytes, offset and time indexes, txn index, producer snapshot, leader-epoch checkpoint) are put
 * between a COPY_SEGMENT_STARTED and a COPY_SEGMENT_FINISHED metadata record (remote-metadata.ts),
 * each published with acks=all to __remote_log_metadata before the next step. A failed step is
 * retried with backoff; the segment id is content-addressed, so a retry rewrites the same objects.
 * The local log deletes a segment by local retention only once a COPY_SEGMENT_FINISHED covering
 * it has been applied from the metadata topic (PartitionLog.remoteCopiedUpTo): on a replica of
 * that record, so on any broker that becomes leader.
 *
 * Remote retention (leader): the oldest remote segments go while their newest record is older than
 * retention.ms, or while the partition's total size (remote plus the local part not yet copied)
 * exceeds retention.bytes by at least the segment: DELETE_SEGMENT_STARTED, the objects deleted,
 * then a tombstone.
 *
 * Nothing here knows the network or the cluster: partitions come from a TieredPartitionSource and
 * metadata records go out through a MetadataPublisher and come back through apply()
 * (cluster/remote-log-metadata-topic.ts provides both).
 */
import fs from "node:fs";
import { crc32c } from "../../native/index.ts";
import type { Logger } from "../../util/log.ts";
import type { PartitionLog } from "../partition-log.ts";
import type { Segment } from "../segment.ts";
import type { AbortedTxn } from "../txn-index.ts";
import { REMOTE_CHUNK_BYTES, REMOTE_CHUNK_CACHE_BYTES, REMOTE_MAX_READS_IN_FLIGHT, REMOTE_MAX_READS_QUEUED } from "../../limits.ts";
import { ChunkCache } from "./chunk-cache.ts";
import { objectKey, type RemoteFileKind } from "./object-keys.ts";
import { RemoteStorageError, type ObjectStore } from "./object-store.ts";
import { ByteRateLimiter, Semaphore } from "./rate-limit.ts";
import { RemoteLogMetadataCache, metadataKey, metadataValue, type MetadataRecord, type RemoteSegmentMetadata } from "./remote-metadata.ts";
import { RemoteLogReader } from "./remote-reader.ts";

/** A partition of a topic with remote.storage.enable, as hosted on this broker. */
export interface TieredPartition {
  topic: string;
  topicId: string;
  partition: number;
  log: PartitionLog;
  /** This broker leads it now (it uploads and applies remote retention). */
  isLeader: boolean;
  /** Total retention (retention.ms / retention.bytes; -1 = keep). */
  retentionMs: number;
  retentionBytes: number;
  /** The producer state now, for the upload's .snapshot object (null: none). */
  producerSnapshot(): Uint8Array | null;
  /** Aborted transactions known locally overlapping [from, to) (markers in local segments). */
  localAbortedTxns(from: number, to: number): AbortedTxn[];
}

export interface TieredPartitionSource {
  /** Every hosted partition with remote storage enabled. */
  partitions(): Iterable<TieredPartition>;
  /** One of them by topic id, or undefined. */
  get(topicId: string, partition: number): TieredPartition | undefined;
}

export interface MetadataPublisher {
  /** Appends the records for one partition's metadata with acks=all; rejects when not durable. */
  publish(topicId: string, partition: number, records: { key: Uint8Array; value: Uint8Array | null }[]): Promise<void>;
}

export interface RemoteLogManagerOptions {
  store: ObjectStore;
  /** Key prefix of every object (remote_storage_prefix). */
  prefix: string;
  source: TieredPartitionSource;
  publisher: MetadataPublisher;
  nodeId: number;
  log: Logger;
  clock?: () => number;
  /** Period of the copy/retention pass; 0: no timer (tests call runOnce). Default 500. */
  taskIntervalMs?: number;
  /** Partitions uploading at once on this broker (Kafka's remote.log.manager.copier.thread.pool.size). Default 2. */
  maxConcurrentUploads?: number;
  /** Upload rate over all partitions (remote.log.manager.copy.max.bytes.per.second). Default unlimited. */
  uploadBytesPerSecond?: number;
  /** Remote chunk cache: total bytes and chunk size. Defaults 64 MiB, 1 MiB. */
  cacheBytes?: number;
  chunkBytes?: number;
  /** First and largest pause after a failed upload or deletion. Defaults 200 ms, 30 s. */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
}

export interface RemoteLogManagerStats {
  segmentsCopied: number;
  bytesCopied: number;
  copyFailures: number;
  segmentsDeleted: number;
  deleteFailures: number;
  remoteReads: number;
  remoteReadBytes: number;
  remoteReadFailures: number;
}

interface PartitionTask {
  busy: boolean;
  failures: number;
  notBeforeMs: number;
}

export class RemoteLogManager {
  metadata = new RemoteLogMetadataCache();
  readonly reader: RemoteLogReader;
  readonly stats: RemoteLogManagerStats = { segmentsCopied: 0, bytesCopied: 0, copyFailures: 0, segmentsDeleted: 0, deleteFailures: 0, remoteReads: 0, remoteReadBytes: 0, remoteReadFailures: 0 };
  private readonly tasks = new Map<string, PartitionTask>();
  private readonly uploads: Semaphore;
  private readonly rate: ByteRateLimiter;
  private readonly clock: () => number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Remote reads under way and waiting (bounded: REMOTE_MAX_READS_IN_FLIGHT / _QUEUED). */
  private readsRunning = 0;
  private readonly readQueue: (() => void)[] = [];

  constructor(private readonly o: RemoteLogManagerOptions) {
    this.clock = o.clock ?? Date.now;
    this.uploads = new Semaphore(o.maxConcurrentUploads ?? 2);
    this.rate = new ByteRateLimiter(o.uploadBytesPerSecond ?? Infinity, this.clock);
    this.reader = new RemoteLogReader(o.store, new ChunkCache(o.cacheBytes ?? REMOTE_CHUNK_CACHE_BYTES, o.chunkBytes ?? REMOTE_CHUNK_BYTES), o.prefix);
  }

  start(): void {
    const period = this.o.taskIntervalMs ?? 500;
    if (period <= 0 || this.timer) return;
    this.timer = setInterval(() => this.runOnce(), period);
    this.timer.unref?.();
  }

  /** Stops the timer and waits for the uploads and deletions under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight]);
  }

  /** A record of __remote_log_metadata, in log order (every replica applies the same). */
  apply(record: MetadataRecord): void {
    const gone = record.value === null ? this.metadata.get(record.topicId, record.partition, record.segmentId) : undefined;
    this.metadata.apply(record);
    if (gone) this.reader.cache.dropPrefix(objectKey(this.o.prefix, gone, "log"));
  }

  /** Drops the whole view (the metadata topic is re-read from its start). */
  resetMetadata(): void {
    this.metadata = new RemoteLogMetadataCache();
  }

  /** One pass: wires every tiered log's deletion guard, starts due uploads and remote deletions. */
  runOnce(): void {
    if (this.closed) return;
    const now = this.clock();
    for (const p of this.o.source.partitions()) {
      const tp = { topicId: p.topicId, partition: p.partition };
      if (p.log.remoteCopiedUpTo === null) p.log.remoteCopiedUpTo = () => this.metadata.copiedUpTo(tp.topicId, tp.partition);
      if (!p.isLeader || p.log.isClosed || p.log.isOffline) continue;
      const key = `${p.topicId}:${p.partition}`;
      let task = this.tasks.get(key);
      if (!task) this.tasks.set(key, (task = { busy: false, failures: 0, notBeforeMs: 0 }));
      if (task.busy || now < task.notBeforeMs) continue;
      const work = this.nextWork(p, now);
      if (work === null) continue;
      if (work.kind === "copy" && !this.uploads.tryAcquire()) continue;
      task.busy = true;
      const t = task;
      const run = (work.kind === "copy" ? this.copy(p, work.segment).finally(() => this.uploads.release()) : this.deleteRemote(p, work.segment))
        .then(() => {
          t.failures = 0;
          t.notBeforeMs = 0;
        })
        .catch((error) => {
          t.failures++;
          const base = this.o.retryBackoffMs ?? 200;
          t.notBeforeMs = this.clock() + Math.min(this.o.retryBackoffMaxMs ?? 30_000, base * 2 ** Math.min(t.failures - 1, 16));
          if (work.kind === "copy") this.stats.copyFailures++;
          else this.stats.deleteFailures++;
          this.o.log.warn(`tiered storage: ${work.kind === "copy" ? "upload" : "remote deletion"} failed; retrying`, { topic: p.topic, partition: p.partition, attempt: t.failures, error: (error as Error).message });
        })
        .finally(() => {
          t.busy = false;
          this.inFlight.delete(run);
        });
      this.inFlight.add(run);
    }
  }

  /** Resolves when the uploads and deletions under way now are done (tests, bench). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private nextWork(p: TieredPartition, nowMs: number): { kind: "copy"; segment: Segment } | { kind: "delete"; segment: RemoteSegmentMetadata } | null {
    // Remote retention first: it frees space and never waits on the local log.
    const chain = this.metadata.chain(p.topicId, p.partition);
    if (chain.length > 0) {
      const oldest = chain[0]!;
      if (p.retentionMs >= 0 && nowMs - oldest.maxTimestampMs > p.retentionMs) return { kind: "delete", segment: oldest };
      if (p.retentionBytes >= 0) {
        const copiedUpTo = chain[chain.length - 1]!.endOffset + 1;
        let total = 0;
        for (const s of chain) total += s.sizeBytes;
        for (const s of p.log.segmentList()) if (s.baseOffset >= copiedUpTo) total += s.sizeBytes;
        if (total - oldest.sizeBytes >= p.retentionBytes) return { kind: "delete", segment: oldest };
      }
    }
    // A stuck DELETE_SEGMENT_STARTED (a deletion cut short) is finished first.
    for (const s of this.metadata.all(p.topicId, p.partition)) if (s.state === "DELETE_SEGMENT_STARTED") return { kind: "delete", segment: s };
    const copiedUpTo = this.metadata.copiedUpTo(p.topicId, p.partition);
    const segments = p.log.segmentList();
    const hwm = p.log.highWatermark;
    for (let i = 0; i < segments.length - 1; i++) {
      const s = segments[i]!;
      if (s.nextOffset <= copiedUpTo || s.sizeBytes === 0) continue;
      if (s.nextOffset > hwm) return null;
      // The chain must stay contiguous: the next segment starts at or below what is remote.
      if (copiedUpTo >= 0 && s.baseOffset > copiedUpTo) {
        this.o.log.warn("tiered storage: local segment leaves a gap after the remote tier; not copied", { topic: p.topic, partition: p.partition, segment: s.baseOffset, copiedUpTo });
        return null;
      }
      return { kind: "copy", segment: s };
    }
    return null;
  }

  private async copy(p: TieredPartition, s: Segment): Promise<void> {
    const read = s.read(s.baseOffset, s.sizeBytes, Infinity, true);
    const logBytes = read.view ?? new Uint8Array(0);
    if (logBytes.length !== s.sizeBytes) throw new RemoteStorageError(`segment ${s.baseOffset}: read ${logBytes.length} of ${s.sizeBytes} bytes`);
    const crc = crc32c(logBytes) >>> 0;
    const endOffset = s.nextOffset - 1;
    const segmentId = `${s.baseOffset}-${endOffset}-${crc.toString(16).padStart(8, "0")}`;
    const offsetIndex = encodeOffsetIndex(s);
    const timeIndex = readIfExists(s.timeIndexPath);
    const txnIndex = readIfExists(s.logPath.replace(/\.log$/, ".txnindex"));
    const snapshot = p.producerSnapshot() ?? new Uint8Array(0);
    const epochs = p.log.epochs.all().filter((e, i, all) => e.startOffset <= endOffset && (i + 1 >= all.length || all[i + 1]!.startOffset > s.baseOffset));
    const epochText = new TextEncoder().encode(`0\n${epochs.length}\n${epochs.map((e) => `${e.epoch} ${e.startOffset}`).join("\n")}${epochs.length ? "\n" : ""}`);
    const meta: RemoteSegmentMetadata = {
      topicId: p.topicId,
      topic: p.topic,
      partition: p.partition,
      segmentId,
      baseOffset: s.baseOffset,
      endOffset,
      maxTimestampMs: s.maxTimestampMs,
      sizeBytes: logBytes.length,
      offsetIndexBytes: offsetIndex.length,
      timeIndexBytes: timeIndex.length,
      txnIndexBytes: txnIndex.length,
      producerSnapshotBytes: snapshot.length,
      leaderEpochBytes: epochText.length,
      logCrc32c: crc,
      segmentLeaderEpochs: epochs.map((e) => ({ epoch: e.epoch, startOffset: e.startOffset })),
      brokerId: this.o.nodeId,
      eventTimestampMs: this.clock(),
      state: "COPY_SEGMENT_STARTED",
    };
    const known = this.metadata.get(p.topicId, p.partition, segmentId);
    if (known?.state === "COPY_SEGMENT_FINISHED") return;
    if (known === undefined) await this.publish(meta);
    const objects: [RemoteFileKind, Uint8Array][] = [
      ["log", logBytes],
      ["index", offsetIndex],
      ["timeindex", timeIndex],
      ["txnindex", txnIndex],
      ["snapshot", snapshot],
      ["leader-epoch-checkpoint", epochText],
    ];
    for (const [kind, bytes] of objects) {
      if (bytes.length === 0) continue;
      if (this.closed) throw new RemoteStorageError("tiered storage is closing");
      await this.rate.take(bytes.length);
      await this.o.store.put(objectKey(this.o.prefix, meta, kind), bytes);
    }
    await this.publish({ ...meta, state: "COPY_SEGMENT_FINISHED", eventTimestampMs: this.clock() });
    this.stats.segmentsCopied++;
    this.stats.bytesCopied += logBytes.length;
  }

  private async deleteRemote(p: TieredPartition, s: RemoteSegmentMetadata): Promise<void> {
    if (s.state !== "DELETE_SEGMENT_STARTED") await this.publish({ ...s, state: "DELETE_SEGMENT_STARTED", eventTimestampMs: this.clock(), brokerId: this.o.nodeId });
    for (const kind of ["log", "index", "timeindex", "txnindex", "snapshot", "leader-epoch-checkpoint"] as RemoteFileKind[]) {
      await this.o.store.delete(objectKey(this.o.prefix, s, kind));
    }
    await this.o.publisher.publish(p.topicId, p.partition, [{ key: metadataKey(s), value: null }]);
    this.reader.cache.dropPrefix(objectKey(this.o.prefix, s, "log"));
    this.stats.segmentsDeleted++;
  }

  private publish(m: RemoteSegmentMetadata): Promise<void> {
    return this.o.publisher.publish(m.topicId, m.partition, [{ key: metadataKey(m), value: metadataValue(m) }]);
  }

  // ----- reads (the fetch path and ListOffsets) ----------------------------------------------

  /**
   * The partition's log start offset counting the remote tier: the remote start when the remote
   * chain reaches the local log start (so every offset from it is readable), else the local one.
   */
  logStartOffset(topicId: string, partition: number, localStartOffset: number): number {
    const start = this.metadata.startOffset(topicId, partition);
    if (start === null || start >= localStartOffset) return localStartOffset;
    return this.metadata.copiedUpTo(topicId, partition) >= localStartOffset ? start : localStartOffset;
  }

  /** The last offset in the remote tier (ListOffsets LATEST_TIERED), or -1. */
  highestTieredOffset(topicId: string, partition: number): number {
    return this.metadata.copiedUpTo(topicId, partition) - 1;
  }

  /** Whether `offset` lies in the remote tier. */
  covers(topicId: string, partition: number, offset: number): boolean {
    return this.metadata.segmentFor(topicId, partition, offset) !== undefined;
  }

  /**
   * Whole verified batches from the remote segment holding `offset`, up to maxBytes (one batch at
   * least when minOneBatch) and below maxOffsetExclusive; with read_committed, the aborted
   * transactions overlapping them. Rejects with RemoteStorageError when the store fails.
   */
  async read(topicId: string, partition: number, offset: number, maxBytes: number, minOneBatch: boolean, maxOffsetExclusive: number, readCommitted: boolean): Promise<{ records: Uint8Array[]; sizeBytes: number; abortedTransactions: AbortedTxn[] | null }> {
    const segment = this.metadata.segmentFor(topicId, partition, offset);
    if (!segment) throw new RemoteStorageError(`offset ${offset} is not in the remote tier`);
    this.stats.remoteReads++;
    await this.readSlot();
    try {
      const r = await this.reader.read(segment, offset, maxBytes, minOneBatch, maxOffsetExclusive);
      this.stats.remoteReadBytes += r.bytes.length;
      if (!readCommitted) return { records: r.bytes.length ? [r.bytes] : [], sizeBytes: r.bytes.length, abortedTransactions: null };
      const upper = r.nextOffset;
      const aborted: AbortedTxn[] = [];
      if (upper > offset) {
        // An aborted transaction's entry sits with its marker: in this segment or a later one.
        const chain = this.metadata.chain(topicId, partition);
        let i = chain.indexOf(segment);
        for (; i >= 0 && i < chain.length; i++) {
          const entries = await this.reader.abortedTxns(chain[i]!);
          let done = false;
          for (const e of entries) {
            if (e.lastOffset >= offset && e.firstOffset < upper) aborted.push(e);
            if (e.lastStableOffset >= upper) done = true;
          }
          if (done || chain[i]!.endOffset >= upper + 1_000_000) break;
        }
        const local = this.o.source.get(topicId, partition);
        for (const e of local?.localAbortedTxns(offset, upper) ?? []) if (!aborted.some((a) => a.producerId === e.producerId && a.firstOffset === e.firstOffset)) aborted.push(e);
      }
      return { records: r.bytes.length ? [r.bytes] : [], sizeBytes: r.bytes.length, abortedTransactions: aborted };
    } catch (error) {
      this.stats.remoteReadFailures++;
      throw error;
    } finally {
      this.releaseReadSlot();
    }
  }

  /** Waits for one of REMOTE_MAX_READS_IN_FLIGHT places (Kafka's remote.log.reader.threads); a full queue fails at once. */
  private readSlot(): Promise<void> {
    if (this.readsRunning < REMOTE_MAX_READS_IN_FLIGHT) {
      this.readsRunning++;
      return Promise.resolve();
    }
    if (this.readQueue.length >= REMOTE_MAX_READS_QUEUED) {
      this.stats.remoteReadFailures++;
      return Promise.reject(new RemoteStorageError(`${REMOTE_MAX_READS_QUEUED} remote reads already wait`));
    }
    return new Promise((resolve) => this.readQueue.push(resolve));
  }

  private releaseReadSlot(): void {
    const next = this.readQueue.shift();
    if (next) next();
    else this.readsRunning--;
  }

  /** ListOffsets by timestamp in the remote tier: the first batch with maxTimestamp >= ts, or null. */
  async offsetForTimestamp(topicId: string, partition: number, timestampMs: number): Promise<{ offset: number; timestampMs: number } | null> {
    for (const s of this.metadata.chain(topicId, partition)) {
      if (s.maxTimestampMs < timestampMs) continue;
      const found = await this.reader.findByTimestamp(s, timestampMs);
      if (found) return found;
    }
    return null;
  }
}

/** The offset index of a segment in its file format (offset-index.ts), from memory (exact, whatever the file holds). */
export function encodeOffsetIndex(s: Segment): Uint8Array {
  const entries = s.indexEntries();
  const out = new Uint8Array(entries.length * 8);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    v.setUint32(i * 8, e.offset - s.baseOffset);
    v.setUint32(i * 8 + 4, e.position);
  });
  return out;
}

function readIfExists(path: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(path));
  } catch {
    return new Uint8Array(0);
  }
}
