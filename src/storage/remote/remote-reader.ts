/**
 * Reads of the remote tier: whole batches of an uploaded segment from the batch holding a fetch
 * offset, by ranged GETs of fixed-size chunks (chunk-cache.ts) located through the segment's
 * offset index (fetched once per segment, kept in a small bounded map). The chunk after the last
 * one read is fetched in the background (prefetch for sequential readers, the common case of a
 * consumer catching up from the start).
 *
 * Nothing unverified is served: every batch returned has its framing checked (length within the
 * segment, magic 2, offsets inside the segment and increasing) and its CRC-32C (native addon)
 * recomputed; a mismatch drops the segment's cached chunks and fails the read with
 * RemoteStorageError, which the fetch path answers with a retriable error.
 */
import { crc32c } from "../../native/index.ts";
import {
  BATCH_HEADER_BYTES,
  CRC_POS,
  CRC_START_POS,
  CURRENT_MAGIC,
  MAGIC_POS,
  baseOffsetAt,
  batchSizeAt,
  lastOffsetAt,
  maxTimestampAt,
  readInt32,
} from "../batch-header.ts";
import { decodeTxnIndex, type AbortedTxn } from "../txn-index.ts";
import type { ChunkCache } from "./chunk-cache.ts";
import { objectKey, type RemoteFileKind } from "./object-keys.ts";
import { RemoteStorageError, type ObjectStore } from "./object-store.ts";
import type { RemoteSegmentMetadata } from "./remote-metadata.ts";

import { REMOTE_MAX_CACHED_INDEXES as MAX_CACHED_INDEXES } from "../../limits.ts";

export interface RemoteRead {
  /** Whole verified batches, back to back. */
  bytes: Uint8Array;
  /** lastOffset + 1 of the last batch returned (fetchOffset when none). */
  nextOffset: number;
}

interface ParsedIndex {
  relOffsets: Uint32Array;
  positions: Uint32Array;
}

export class RemoteLogReader {
  private readonly indexes = new Map<string, ParsedIndex>();

  constructor(
    private readonly store: ObjectStore,
    readonly cache: ChunkCache,
    private readonly prefix: string,
  ) {}

  /**
   * Whole batches of `segment` from the one holding `fetchOffset`: at most `maxBytes`, at least
   * one batch when `minOneBatch`; none whose base offset is at or past `maxOffsetExclusive`.
   */
  async read(segment: RemoteSegmentMetadata, fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffsetExclusive = Infinity): Promise<RemoteRead> {
    const key = objectKey(this.prefix, segment, "log");
    try {
      let pos = await this.positionFloor(segment, fetchOffset);
      // Skip the batches wholly below the fetch offset (the index is sparse).
      for (;;) {
        if (pos >= segment.sizeBytes) return { bytes: new Uint8Array(0), nextOffset: fetchOffset };
        const h = await this.range(key, segment.sizeBytes, pos, Math.min(segment.sizeBytes, pos + BATCH_HEADER_BYTES));
        this.checkHeader(segment, h, pos);
        if (lastOffsetAt(h, 0) >= fetchOffset) break;
        pos += batchSizeAt(h, 0);
      }
      const start = pos;
      let end = start;
      let nextOffset = fetchOffset;
      while (end < segment.sizeBytes) {
        const h = await this.range(key, segment.sizeBytes, end, Math.min(segment.sizeBytes, end + BATCH_HEADER_BYTES));
        this.checkHeader(segment, h, end);
        if (baseOffsetAt(h, 0) >= maxOffsetExclusive) break;
        const size = batchSizeAt(h, 0);
        if (end + size - start > maxBytes && !(minOneBatch && end === start)) break;
        end += size;
        nextOffset = lastOffsetAt(h, 0) + 1;
      }
      const bytes = end > start ? await this.range(key, segment.sizeBytes, start, end) : new Uint8Array(0);
      this.verifyBatches(segment, bytes, start);
      this.prefetchAfter(key, segment.sizeBytes, end);
      return { bytes, nextOffset };
    } catch (error) {
      this.cache.dropPrefix(`${key}#`);
      throw error instanceof RemoteStorageError ? error : new RemoteStorageError(`remote read of ${key} at offset ${fetchOffset}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The aborted transactions recorded in a segment's uploaded .txnindex. */
  async abortedTxns(segment: RemoteSegmentMetadata): Promise<AbortedTxn[]> {
    if (segment.txnIndexBytes === 0) return [];
    return decodeTxnIndex(await this.whole(segment, "txnindex", segment.txnIndexBytes));
  }

  /**
   * The first batch of `segment` whose maxTimestamp is >= timestampMs (its base offset and that
   * timestamp), or null. Batch granularity, as the local log's lookup.
   */
  async findByTimestamp(segment: RemoteSegmentMetadata, timestampMs: number): Promise<{ offset: number; timestampMs: number } | null> {
    if (segment.maxTimestampMs < timestampMs) return null;
    const key = objectKey(this.prefix, segment, "log");
    let pos = 0;
    while (pos < segment.sizeBytes) {
      const h = await this.range(key, segment.sizeBytes, pos, Math.min(segment.sizeBytes, pos + BATCH_HEADER_BYTES));
      this.checkHeader(segment, h, pos);
      const ts = maxTimestampAt(h, 0);
      if (ts >= timestampMs) return { offset: baseOffsetAt(h, 0), timestampMs: ts };
      pos += batchSizeAt(h, 0);
    }
    return null;
  }

  /** Position of the last indexed batch at or below `offset` (0 without an index). */
  private async positionFloor(segment: RemoteSegmentMetadata, offset: number): Promise<number> {
    if (segment.offsetIndexBytes === 0) return 0;
    const key = objectKey(this.prefix, segment, "index");
    let index = this.indexes.get(key);
    if (!index) {
      const bytes = await this.whole(segment, "index", segment.offsetIndexBytes);
      const n = Math.floor(bytes.length / 8);
      index = { relOffsets: new Uint32Array(n), positions: new Uint32Array(n) };
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) {
        index.relOffsets[i] = v.getUint32(i * 8);
        index.positions[i] = v.getUint32(i * 8 + 4);
      }
      if (this.indexes.size >= MAX_CACHED_INDEXES) this.indexes.delete(this.indexes.keys().next().value!);
      this.indexes.set(key, index);
    }
    const rel = offset - segment.baseOffset;
    let lo = 0;
    let hi = index.relOffsets.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (index.relOffsets[mid]! <= rel) {
        found = index.positions[mid]!;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < segment.sizeBytes ? found : 0;
  }

  private async whole(segment: RemoteSegmentMetadata, kind: RemoteFileKind, sizeBytes: number): Promise<Uint8Array> {
    const key = objectKey(this.prefix, segment, kind);
    return this.range(key, sizeBytes, 0, sizeBytes);
  }

  /** Bytes [start, end) of an object of `objectBytes`, assembled from cached chunks. */
  private async range(key: string, objectBytes: number, start: number, end: number): Promise<Uint8Array> {
    const chunkBytes = this.cache.chunkBytes;
    const first = Math.floor(start / chunkBytes);
    const last = Math.floor((end - 1) / chunkBytes);
    if (end <= start) return new Uint8Array(0);
    if (first === last) {
      const chunk = await this.chunk(key, objectBytes, first);
      return chunk.subarray(start - first * chunkBytes, end - first * chunkBytes);
    }
    const out = new Uint8Array(end - start);
    for (let i = first; i <= last; i++) {
      const chunk = await this.chunk(key, objectBytes, i);
      const chunkStart = i * chunkBytes;
      const from = Math.max(start, chunkStart) - chunkStart;
      const to = Math.min(end, chunkStart + chunk.length) - chunkStart;
      out.set(chunk.subarray(from, to), chunkStart + from - start);
    }
    return out;
  }

  private chunk(key: string, objectBytes: number, index: number, prefetch = false): Promise<Uint8Array> {
    const chunkBytes = this.cache.chunkBytes;
    const from = index * chunkBytes;
    const to = Math.min(objectBytes, from + chunkBytes);
    if (from >= to) return Promise.reject(new RemoteStorageError(`${key}: chunk ${index} is past the object's ${objectBytes} bytes`));
    return this.cache.get(`${key}#${index}`, () => this.store.getRange(key, from, to), prefetch);
  }

  private prefetchAfter(key: string, objectBytes: number, end: number): void {
    const next = Math.floor(end / this.cache.chunkBytes) + (end % this.cache.chunkBytes === 0 ? 0 : 1);
    if (next * this.cache.chunkBytes >= objectBytes || this.cache.has(`${key}#${next}`)) return;
    this.chunk(key, objectBytes, next, true).catch(() => {}); // a failed prefetch is retried by the read that needs it
  }

  private checkHeader(segment: RemoteSegmentMetadata, h: Uint8Array, pos: number): void {
    if (h.length < BATCH_HEADER_BYTES) throw new RemoteStorageError(`${segment.segmentId}: truncated batch header at byte ${pos}`);
    const size = batchSizeAt(h, 0);
    const base = baseOffsetAt(h, 0);
    const last = lastOffsetAt(h, 0);
    if (size < BATCH_HEADER_BYTES || pos + size > segment.sizeBytes || h[MAGIC_POS] !== CURRENT_MAGIC || base < segment.baseOffset || last > segment.endOffset || last < base) {
      throw new RemoteStorageError(`${segment.segmentId}: bad batch header at byte ${pos} (size ${size}, offsets ${base}..${last})`);
    }
  }

  private verifyBatches(segment: RemoteSegmentMetadata, bytes: Uint8Array, startPos: number): void {
    let pos = 0;
    while (pos < bytes.length) {
      if (bytes.length - pos < BATCH_HEADER_BYTES) throw new RemoteStorageError(`${segment.segmentId}: torn batch at byte ${startPos + pos}`);
      this.checkHeader(segment, bytes.subarray(pos, pos + BATCH_HEADER_BYTES), startPos + pos);
      const size = batchSizeAt(bytes, pos);
      if (pos + size > bytes.length) throw new RemoteStorageError(`${segment.segmentId}: torn batch at byte ${startPos + pos}`);
      const stored = readInt32(bytes, pos + CRC_POS) >>> 0;
      const actual = crc32c(bytes.subarray(pos + CRC_START_POS, pos + size)) >>> 0;
      if (stored !== actual) throw new RemoteStorageError(`${segment.segmentId}: CRC-32C mismatch in the batch at byte ${startPos + pos} (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);
      pos += size;
    }
  }
}
