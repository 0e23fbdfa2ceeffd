/**
 * Remote log metadata: what is in the object store, per partition, as Kafka's KIP-405
 * RemoteLogSegmentMetadata. The records live in the compacted internal topic
 * `__remote_log_metadata` (metadata-topic.ts), so every replica of it (restart, failover) knows
 * the same remote segments; this module is their format and the in-memory view built from them.
 *
 * Record format (one record per segment and state change; the latest per key wins, as compaction keeps it):
 *   key:   UTF-8 JSON {"v":0,"topicId":string,"partition":int,"segmentId":string}
 *   value: UTF-8 JSON {"v":0, ...RemoteSegmentMetadata} for COPY_SEGMENT_STARTED,
 *          COPY_SEGMENT_FINISHED and DELETE_SEGMENT_STARTED; null (a tombstone) once the
 *          segment's objects are deleted (Kafka's DELETE_SEGMENT_FINISHED).
 * A key or value of another version, or unreadable JSON, is skipped (a newer broker's record).
 *
 * segmentId is content-addressed: `<baseOffset>-<endOffset>-<crc32c of the .log bytes, hex>`, so
 * retrying an upload writes the same objects under the same keys (idempotent), and two leaders'
 * different segments at the same base offset never share a key.
 */

export type RemoteSegmentState = "COPY_SEGMENT_STARTED" | "COPY_SEGMENT_FINISHED" | "DELETE_SEGMENT_STARTED";

export interface RemoteSegmentMetadata {
  topicId: string;
  topic: string;
  partition: number;
  segmentId: string;
  /** First and last offset of the segment (inclusive, Kafka's startOffset/endOffset). */
  baseOffset: number;
  endOffset: number;
  maxTimestampMs: number;
  /** Bytes of the .log object (whole batches); and of each companion object (0: none uploaded). */
  sizeBytes: number;
  offsetIndexBytes: number;
  timeIndexBytes: number;
  txnIndexBytes: number;
  producerSnapshotBytes: number;
  leaderEpochBytes: number;
  /** CRC-32C of the whole .log object (also in segmentId). */
  logCrc32c: number;
  /** Leader epochs of the segment: epoch -> first offset (Kafka's segmentLeaderEpochs). */
  segmentLeaderEpochs: { epoch: number; startOffset: number }[];
  brokerId: number;
  eventTimestampMs: number;
  state: RemoteSegmentState;
}

const RECORD_VERSION = 0;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function metadataKey(m: { topicId: string; partition: number; segmentId: string }): Uint8Array {
  return encoder.encode(JSON.stringify({ v: RECORD_VERSION, topicId: m.topicId, partition: m.partition, segmentId: m.segmentId }));
}

export function metadataValue(m: RemoteSegmentMetadata): Uint8Array {
  return encoder.encode(JSON.stringify({ v: RECORD_VERSION, ...m }));
}

export interface MetadataRecord {
  topicId: string;
  partition: number;
  segmentId: string;
  /** null: the segment is deleted. */
  value: RemoteSegmentMetadata | null;
}

/** A record of the metadata topic, or null when it is not one this version reads. */
export function decodeMetadataRecord(key: Uint8Array | null, value: Uint8Array | null): MetadataRecord | null {
  if (key === null) return null;
  try {
    const k = JSON.parse(decoder.decode(key)) as { v?: number; topicId?: unknown; partition?: unknown; segmentId?: unknown };
    if (k.v !== RECORD_VERSION || typeof k.topicId !== "string" || typeof k.partition !== "number" || typeof k.segmentId !== "string") return null;
    if (value === null) return { topicId: k.topicId, partition: k.partition, segmentId: k.segmentId, value: null };
    const v = JSON.parse(decoder.decode(value)) as RemoteSegmentMetadata & { v?: number };
    if (v.v !== RECORD_VERSION || typeof v.baseOffset !== "number" || typeof v.endOffset !== "number" || typeof v.sizeBytes !== "number") return null;
    delete v.v;
    return { topicId: k.topicId, partition: k.partition, segmentId: k.segmentId, value: v };
  } catch {
    return null;
  }
}

import { REMOTE_MAX_SEGMENTS_PER_PARTITION as MAX_REMOTE_SEGMENTS_PER_PARTITION } from "../../limits.ts";

export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

/** The remote segments of every partition, as the applied records say. */
export class RemoteLogMetadataCache {
  private readonly byPartition = new Map<string, Map<string, RemoteSegmentMetadata>>();
  /** Sorted COPY_SEGMENT_FINISHED segments per partition, rebuilt lazily after a change. */
  private readonly sorted = new Map<string, RemoteSegmentMetadata[]>();

  apply(r: MetadataRecord): void {
    const key = partitionKey(r.topicId, r.partition);
    let segments = this.byPartition.get(key);
    if (r.value === null) {
      if (segments?.delete(r.segmentId)) this.sorted.delete(key);
      if (segments?.size === 0) this.byPartition.delete(key);
      return;
    }
    if (!segments) this.byPartition.set(key, (segments = new Map()));
    if (!segments.has(r.segmentId) && segments.size >= MAX_REMOTE_SEGMENTS_PER_PARTITION) return;
    segments.set(r.segmentId, r.value);
    this.sorted.delete(key);
  }

  /** Every known segment of a partition in any state (the uploader's and the retention's view). */
  all(topicId: string, partition: number): RemoteSegmentMetadata[] {
    return [...(this.byPartition.get(partitionKey(topicId, partition))?.values() ?? [])];
  }

  get(topicId: string, partition: number, segmentId: string): RemoteSegmentMetadata | undefined {
    return this.byPartition.get(partitionKey(topicId, partition))?.get(segmentId);
  }

  /**
   * The readable remote log of a partition: COPY_SEGMENT_FINISHED segments forming one chain of
   * offsets from the oldest, ascending. Where two segments overlap (two leaders uploaded the same
   * range), the one uploaded later wins for the overlap.
   */
  chain(topicId: string, partition: number): RemoteSegmentMetadata[] {
    const key = partitionKey(topicId, partition);
    const cached = this.sorted.get(key);
    if (cached) return cached;
    const finished = [...(this.byPartition.get(key)?.values() ?? [])].filter((s) => s.state === "COPY_SEGMENT_FINISHED");
    finished.sort((a, b) => a.baseOffset - b.baseOffset || b.eventTimestampMs - a.eventTimestampMs);
    const out: RemoteSegmentMetadata[] = [];
    for (const s of finished) {
      const last = out[out.length - 1];
      if (last === undefined || s.baseOffset === last.endOffset + 1) out.push(s);
      else if (s.baseOffset > last.endOffset + 1) break; // a gap: the chain ends before it
      // else: overlapping an earlier one: skip
    }
    this.sorted.set(key, out);
    return out;
  }

  /** First offset in the remote tier, or null when nothing is there. */
  startOffset(topicId: string, partition: number): number | null {
    return this.chain(topicId, partition)[0]?.baseOffset ?? null;
  }

  /** One past the last offset durably in the remote tier (-1 when nothing is). */
  copiedUpTo(topicId: string, partition: number): number {
    const c = this.chain(topicId, partition);
    return c.length === 0 ? -1 : c[c.length - 1]!.endOffset + 1;
  }

  /** The readable segment holding `offset`, or undefined. */
  segmentFor(topicId: string, partition: number, offset: number): RemoteSegmentMetadata | undefined {
    const c = this.chain(topicId, partition);
    let lo = 0;
    let hi = c.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = c[mid]!;
      if (offset < s.baseOffset) hi = mid - 1;
      else if (offset > s.endOffset) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /** Partitions with any metadata (tests and tools). */
  partitionCount(): number {
    return this.byPartition.size;
  }
}
