/**
 * The metadata log of one node, persisted in `<data_dir>/__takhin/metadata.log`. On one node it is
 * the whole quorum's log; with Raft it becomes this node's copy of the replicated log, written by
 * the same code once entries are committed.
 *
 * ## File format
 * A sequence of frames, big-endian:
 *
 *   frame   := u32 payloadLength | u32 crc32c(payload) | payload
 *   payload := UTF-8 JSON { "offset": <int>, "kind": "batch" | "snapshot", "records": [<record>...] }
 *
 * Records are those of records.ts in their JSON form. A "batch" is one controller decision (e.g. a
 * TopicRecord, its PartitionRecords and ConfigRecords): it is written whole with one write and one
 * fdatasync, and applied all-or-nothing. Offsets are consecutive from 0. Only the first frame may be
 * a "snapshot": the records that rebuild the image at its offset from empty
 * (MetadataImage.toRecords); later batches continue at snapshot offset + 1.
 *
 * ## Recovery (open)
 * Frames are read front to back. A torn tail — fewer than 8 bytes left, or a last frame that runs
 * to or past the end of the file with a bad checksum — is what a crash mid-append leaves; it was
 * never acknowledged (the image changes only after the fdatasync), so it is cut off and the file
 * synced. Anything else wrong (a checksum failure with data after it, a frame longer than
 * MAX_FRAME_BYTES, JSON or a record that does not decode, an offset out of sequence, a record that
 * does not fit the image) is corruption or a hand edit: `MetadataLogError` names the file, the byte
 * position and the reason, and the broker does not start — guessing would drop topics whose data is
 * still on disk.
 *
 * ## Compaction
 * When the file exceeds `rewriteAboveBytes` and twice its size after the last rewrite, the current
 * image is written as a single snapshot frame to `metadata.log.tmp`, synced, renamed over the log,
 * and the directory synced: a crash leaves the old file or the new one.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { crc32c } from "../native/index.ts";
import { fsyncDir, writeFully } from "../storage/file-io.ts";
import { MetadataFileError } from "./errors.ts";
import { MetadataDelta, MetadataImage, MetadataReplayError } from "./image.ts";
import { decodeRecord, recordToJson, RecordFormatError, type MetadataRecord } from "./records.ts";

export const METADATA_LOG_FILE = "metadata.log";
const HEADER_BYTES = 8;
/** Largest frame accepted when reading (a larger length can only be corruption). */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** Default size past which the log is rewritten as one snapshot. */
export const DEFAULT_METADATA_LOG_REWRITE_BYTES = 4 * 1024 * 1024;

export class MetadataLogError extends MetadataFileError {}

export interface MetadataLogOptions {
  /** fdatasync every append (default true). Off only for tests that do not need durability. */
  readonly fsync?: boolean;
  readonly rewriteAboveBytes?: number;
}

export interface MetadataRecovery {
  readonly batches: number;
  readonly validBytes: number;
  /** Bytes cut from the end (a torn tail). */
  readonly truncatedBytes: number;
}

export interface Batch {
  readonly offset: number;
  readonly kind: "batch" | "snapshot";
  readonly records: readonly MetadataRecord[];
}

export function encodeFrame(batch: Batch): Uint8Array {
  const payload = new TextEncoder().encode(JSON.stringify({ offset: batch.offset, kind: batch.kind, records: batch.records.map(recordToJson) }));
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32c(payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

function decodePayload(payload: Uint8Array): Batch {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (e) {
    throw new RecordFormatError(`payload is not JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null) throw new RecordFormatError("payload is not a JSON object");
  const o = doc as Record<string, unknown>;
  if (typeof o.offset !== "number" || !Number.isSafeInteger(o.offset) || o.offset < 0) throw new RecordFormatError(`bad offset ${JSON.stringify(o.offset)}`);
  if (o.kind !== "batch" && o.kind !== "snapshot") throw new RecordFormatError(`bad kind ${JSON.stringify(o.kind)}`);
  if (!Array.isArray(o.records)) throw new RecordFormatError("records is not a list");
  return { offset: o.offset, kind: o.kind, records: o.records.map(decodeRecord) };
}

export class MetadataLog {
  private fd: number;
  private sizeBytes = 0;
  private sizeAfterRewriteBytes = 0;
  private failed: Error | null = null;
  private readonly fsync: boolean;
  private readonly rewriteAboveBytes: number;
  readonly path: string;

  private constructor(
    readonly dir: string,
    opts: MetadataLogOptions,
    fd: number,
  ) {
    this.fsync = opts.fsync ?? true;
    this.rewriteAboveBytes = opts.rewriteAboveBytes ?? DEFAULT_METADATA_LOG_REWRITE_BYTES;
    this.path = join(dir, METADATA_LOG_FILE);
    this.fd = fd;
  }

  /** True when `dir` already holds a metadata log (so no legacy catalogue is read). */
  static existsIn(dir: string): boolean {
    return existsSync(join(dir, METADATA_LOG_FILE));
  }

  /**
   * Opens (creating if needed) the log in `dir`, cuts a torn tail and replays every batch. Throws
   * MetadataLogError when the file is corrupt.
   */
  static open(dir: string, opts: MetadataLogOptions = {}): { log: MetadataLog; image: MetadataImage; recovery: MetadataRecovery } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, METADATA_LOG_FILE);
    const fd = openSync(path, existsSync(path) ? "r+" : "w+");
    const log = new MetadataLog(dir, opts, fd);
    try {
      const { image, recovery } = log.recover();
      log.sizeAfterRewriteBytes = log.sizeBytes;
      return { log, image, recovery };
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  private fail(pos: number, why: string): never {
    throw new MetadataLogError(`${this.path}: corrupt at byte ${pos}: ${why}. The broker cannot start on metadata it cannot read; restore the file or remove the data directory.`);
  }

  private recover(): { image: MetadataImage; recovery: MetadataRecovery } {
    const bytes = new Uint8Array(readFileSync(this.path));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Every batch is replayed into one delta (the image is built once, at the end): a delta per
    // batch would copy the topic maps per batch, quadratic in a long log of topic creations.
    let delta = new MetadataDelta(MetadataImage.EMPTY);
    let lastOffset = -1;
    let off = 0;
    let batches = 0;
    // Each iteration consumes at least HEADER_BYTES or ends the loop, so it is bounded by the file size.
    while (off + HEADER_BYTES <= bytes.length) {
      const len = view.getUint32(off);
      const crc = view.getUint32(off + 4);
      if (len > MAX_FRAME_BYTES) this.fail(off, `frame length ${len} exceeds ${MAX_FRAME_BYTES}`);
      const end = off + HEADER_BYTES + len;
      if (end > bytes.length) break; // torn: the last append did not complete
      const payload = bytes.subarray(off + HEADER_BYTES, end);
      if (crc32c(payload) !== crc) {
        if (end === bytes.length) break; // torn: the last frame's bytes did not all reach the disk
        this.fail(off, "checksum mismatch in a frame followed by more data");
      }
      let batch: Batch;
      try {
        batch = decodePayload(payload);
      } catch (e) {
        this.fail(off, (e as Error).message);
      }
      if (batch.kind === "snapshot" && batches > 0) this.fail(off, "a snapshot frame after the first frame");
      const expected = lastOffset + 1;
      if (batch.kind === "batch" && batch.offset !== expected) this.fail(off, `batch offset ${batch.offset}, expected ${expected}`);
      try {
        if (batch.kind === "snapshot") delta = new MetadataDelta(MetadataImage.EMPTY);
        for (const r of batch.records) delta.replay(r);
        lastOffset = batch.offset;
      } catch (e) {
        if (e instanceof MetadataReplayError) this.fail(off, `batch at offset ${batch.offset}: ${e.message}`);
        throw e;
      }
      off = end;
      batches++;
    }
    const truncatedBytes = bytes.length - off;
    if (truncatedBytes > 0) {
      ftruncateSync(this.fd, off);
      fsyncSync(this.fd);
    }
    this.sizeBytes = off;
    const image = batches === 0 ? MetadataImage.EMPTY : delta.apply(lastOffset);
    return { image, recovery: { batches, validBytes: off, truncatedBytes } };
  }

  /** Appends one batch durably; throws (and refuses every later call) if the write or sync fails. */
  append(offset: number, records: readonly MetadataRecord[]): void {
    this.checkUsable();
    const frame = encodeFrame({ offset, kind: "batch", records });
    try {
      writeFully(this.fd, frame, this.sizeBytes);
      if (this.fsync) fdatasyncSync(this.fd);
    } catch (e) {
      this.failed = e instanceof Error ? e : new Error(String(e));
      throw this.failed;
    }
    this.sizeBytes += frame.length;
  }

  /** Whether the file has grown enough to be rewritten as a snapshot. */
  get wantsRewrite(): boolean {
    return this.sizeBytes > this.rewriteAboveBytes && this.sizeBytes > 2 * this.sizeAfterRewriteBytes;
  }

  /** Replaces the file with one snapshot frame of `image`. */
  rewrite(image: MetadataImage): void {
    this.checkUsable();
    const tmp = `${this.path}.tmp`;
    const frame = encodeFrame({ offset: image.offset, kind: "snapshot", records: image.toRecords() });
    try {
      const fd = openSync(tmp, "w");
      try {
        writeFully(fd, frame, 0);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
      fsyncDir(this.dir);
      closeSync(this.fd);
      this.fd = openSync(this.path, "r+");
    } catch (e) {
      this.failed = e instanceof Error ? e : new Error(String(e));
      throw this.failed;
    }
    this.sizeBytes = frame.length;
    this.sizeAfterRewriteBytes = frame.length;
  }

  fileSizeBytes(): number {
    return this.sizeBytes;
  }

  private checkUsable(): void {
    if (this.failed) throw new Error(`${this.path} unusable after a failed write: ${this.failed.message}`);
    if (this.fd < 0) throw new Error(`${this.path} is closed`);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
