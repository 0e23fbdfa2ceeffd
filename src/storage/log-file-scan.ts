/**
 * Scans batches in a segment's .log file through positional reads (not a mapping, so a file
 * scanned at recovery can still be cut afterwards: it was never mapped). Reads bounded chunks and
 * hands each valid batch to a callback; stops at the first invalid or incomplete batch.
 */
import fs from "node:fs";
import { SCAN_FIELDS, scanBatches } from "../native/index.ts";
import { BATCH_HEADER_BYTES, baseOffsetAt, batchSizeAt } from "./batch-header.ts";
import { SCAN_CHUNK_BATCHES } from "./config.ts";

/** Bytes read per step while scanning a file, at most. */
export const SCAN_READ_CHUNK_BYTES = 16 * 1024 * 1024;
/**
 * Bytes of the first read; each further read of the same scan is 4× larger, up to
 * SCAN_READ_CHUNK_BYTES. A segment's file is often longer than its batches (preallocated space of
 * zeros left by a clean shutdown): starting small keeps its scan from reading and allocating the
 * whole preallocation (1 MiB per active segment; 10 GB of zeros at a restart with 10,000
 * partitions), while a long scan still reaches full-size reads after a few steps.
 */
export const SCAN_FIRST_READ_BYTES = 64 * 1024;
/** Largest batch a scan accepts (a bigger declared size is treated as corruption). */
export const MAX_SCANNED_BATCH_BYTES = 256 * 1024 * 1024;

export type BatchVisitor = (
  position: number,
  sizeBytes: number,
  baseOffset: number,
  lastOffset: number,
  maxTimestampMs: number,
) => void;

export interface ScanResult {
  /** Position just past the last valid batch. */
  endPosition: number;
  /** lastOffset + 1 of the last valid batch (the expected base when none was found). */
  nextOffset: number;
  batchCount: number;
}

/**
 * Scans [fromPosition, fileSizeBytes) of `fd`. `expectedBaseOffset` (>= 0) enforces dense offsets
 * starting there; `offsetLimit` (>= 0) stops before a batch whose lastOffset reaches it.
 */
export function scanLogFile(
  fd: number,
  fileSizeBytes: number,
  fromPosition: number,
  expectedBaseOffset: number,
  offsetLimit: number,
  verifyCrc: boolean,
  visit: BatchVisitor,
): ScanResult {
  const out = new Float64Array(SCAN_CHUNK_BATCHES * SCAN_FIELDS);
  let buffer = new Uint8Array(Math.min(SCAN_FIRST_READ_BYTES, Math.max(fileSizeBytes - fromPosition, 0)));
  let chunkStart = fromPosition;
  let expected = expectedBaseOffset;
  let nextOffset = expectedBaseOffset;
  let batchCount = 0;
  for (;;) {
    const wanted = Math.min(buffer.length, fileSizeBytes - chunkStart);
    if (wanted < BATCH_HEADER_BYTES) break;
    const got = readInto(fd, buffer, wanted, chunkStart);
    const chunk = buffer.subarray(0, got);
    let pos = 0;
    for (;;) {
      const n = scanBatches(chunk, pos, expected, offsetLimit, verifyCrc, out);
      for (let i = 0; i < n; i++) {
        const s = i * SCAN_FIELDS;
        visit(chunkStart + out[s], out[s + 1], out[s + 2], out[s + 3], out[s + 4]);
      }
      if (n > 0) {
        const last = (n - 1) * SCAN_FIELDS;
        pos = out[last] + out[last + 1];
        nextOffset = out[last + 3] + 1;
        if (expected >= 0) expected = nextOffset;
        batchCount += n;
      }
      if (n < SCAN_CHUNK_BATCHES) break;
    }
    const stopPosition = chunkStart + pos;
    if (chunkStart + got >= fileSizeBytes) return { endPosition: stopPosition, nextOffset, batchCount };
    // The scan stopped inside a chunk that is not the end of the file: continue only when the next
    // batch merely runs past the chunk (its header, or its declared size, does not fit).
    const remaining = got - pos;
    if (remaining >= 12) {
      const size = batchSizeAt(chunk, pos);
      const fileLeft = fileSizeBytes - stopPosition;
      if (size <= remaining || size < BATCH_HEADER_BYTES || size > fileLeft || size > MAX_SCANNED_BATCH_BYTES) {
        return { endPosition: stopPosition, nextOffset, batchCount };
      }
      if (size > buffer.length) buffer = new Uint8Array(size);
    }
    // The scan goes on past this chunk: read more at once next time.
    if (buffer.length < SCAN_READ_CHUNK_BYTES && buffer.length < fileSizeBytes - stopPosition) {
      buffer = new Uint8Array(Math.min(SCAN_READ_CHUNK_BYTES, buffer.length * 4, fileSizeBytes - stopPosition));
    }
    chunkStart = stopPosition;
  }
  return { endPosition: chunkStart, nextOffset, batchCount };
}

function readInto(fd: number, buffer: Uint8Array, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/**
 * scanLogFile for segments the log cleaner may have rewritten: offsets start at
 * `expectedBaseOffset` and only increase, but gaps are accepted (a compacted segment keeps the
 * offsets of its surviving records). Where the dense scan stops at a batch whose baseOffset lies
 * past the expected one, the scan goes on from that batch, which is checked like any other (CRC,
 * framing, offsetLimit); a batch at or below the expected offset still ends the scan.
 */
export function scanLogFileAllowingGaps(
  fd: number,
  fileSizeBytes: number,
  fromPosition: number,
  expectedBaseOffset: number,
  offsetLimit: number,
  verifyCrc: boolean,
  visit: BatchVisitor,
): ScanResult {
  if (expectedBaseOffset < 0) return scanLogFile(fd, fileSizeBytes, fromPosition, expectedBaseOffset, offsetLimit, verifyCrc, visit);
  let position = fromPosition;
  let expected = expectedBaseOffset;
  let nextOffset = expectedBaseOffset;
  let batchCount = 0;
  let reseeded = false;
  const header = new Uint8Array(BATCH_HEADER_BYTES);
  for (;;) {
    const r = scanLogFile(fd, fileSizeBytes, position, expected, offsetLimit, verifyCrc, visit);
    if (r.batchCount === 0 && reseeded) break; // the batch past the gap is not valid either
    if (r.batchCount > 0) nextOffset = r.nextOffset;
    batchCount += r.batchCount;
    position = r.endPosition;
    if (position + BATCH_HEADER_BYTES > fileSizeBytes) break;
    if (readInto(fd, header, BATCH_HEADER_BYTES, position) < BATCH_HEADER_BYTES) break;
    const base = baseOffsetAt(header, 0);
    if (!(base > nextOffset) || !Number.isSafeInteger(base)) break;
    expected = base;
    reseeded = true;
  }
  return { endPosition: position, nextOffset, batchCount };
}
