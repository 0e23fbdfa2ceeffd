/**
 * The metadata log of one node, persisted in `<data_dir>/__takhin/metadata.log`. On one node it is
 * the whole quorum's log; with Raft it becomes this node's copy of the replicated log, written by
 * the same code once entries are committed.
 *
 * ## File format
 * A sequence of frames (src/storage/framed-file.ts: u32 payloadLength | u32 crc32c | payload), with
 *
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
import { existsSync } from "node:fs";
import { join } from "node:path";
import { encodeFrame as frameOf, FramedFile, scanFrames } from "../storage/framed-file.ts";
import { MetadataFileError } from "./errors.ts";
import { MetadataDelta, MetadataImage, MetadataReplayError } from "./image.ts";
import { decodeRecord, recordToJson, RecordFormatError, type MetadataRecord } from "./records.ts";

export const METADATA_LOG_FILE = "metadata.log";
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

function encodePayload(batch: Batch): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ offset: batch.offset, kind: batch.kind, records: batch.records.map(recordToJson) }));
}

/** One whole frame of `batch`, as the log writes it. */
export function encodeFrame(batch: Batch): Uint8Array {
  return frameOf(encodePayload(batch));
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
  private constructor(
    readonly dir: string,
    private readonly file: FramedFile,
  ) {}

  get path(): string {
    return this.file.path;
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
    const file = FramedFile.open(join(dir, METADATA_LOG_FILE), { fsync: opts.fsync, rewriteAboveBytes: opts.rewriteAboveBytes ?? DEFAULT_METADATA_LOG_REWRITE_BYTES });
    const log = new MetadataLog(dir, file);
    try {
      const { image, recovery } = log.recover();
      return { log, image, recovery };
    } catch (e) {
      file.close();
      throw e;
    }
  }

  private fail(pos: number, why: string): never {
    throw new MetadataLogError(`${this.path}: corrupt at byte ${pos}: ${why}. The broker cannot start on metadata it cannot read; restore the file or remove the data directory.`);
  }

  private recover(): { image: MetadataImage; recovery: MetadataRecovery } {
    const bytes = this.file.readAll();
    // Every batch is replayed into one delta (the image is built once, at the end): a delta per
    // batch would copy the topic maps per batch, quadratic in a long log of topic creations.
    let delta = new MetadataDelta(MetadataImage.EMPTY);
    let lastOffset = -1;
    let validBytes = 0;
    let batches = 0;
    for (const frame of scanFrames(bytes, MAX_FRAME_BYTES)) {
      const off = frame.pos;
      if (frame.oversized) this.fail(off, `frame length ${frame.lengthBytes} exceeds ${MAX_FRAME_BYTES}`);
      if (frame.payload === null) break; // torn: the last append did not complete
      if (!frame.crcOk) {
        if (frame.end === bytes.length) break; // torn: the last frame's bytes did not all reach the disk
        this.fail(off, "checksum mismatch in a frame followed by more data");
      }
      let batch: Batch;
      try {
        batch = decodePayload(frame.payload);
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
      validBytes = frame.end;
      batches++;
    }
    const truncatedBytes = this.file.keepValidPrefix(validBytes, bytes.length);
    const image = batches === 0 ? MetadataImage.EMPTY : delta.apply(lastOffset);
    return { image, recovery: { batches, validBytes, truncatedBytes } };
  }

  /** Appends one batch durably; throws (and refuses every later call) if the write or sync fails. */
  append(offset: number, records: readonly MetadataRecord[]): void {
    this.file.append(encodePayload({ offset, kind: "batch", records }));
  }

  /** Whether the file has grown enough to be rewritten as a snapshot. */
  get wantsRewrite(): boolean {
    return this.file.wantsRewrite;
  }

  /** Replaces the file with one snapshot frame of `image`. */
  rewrite(image: MetadataImage): void {
    this.file.rewrite(encodePayload({ offset: image.offset, kind: "snapshot", records: image.toRecords() }));
  }

  fileSizeBytes(): number {
    return this.file.sizeBytes;
  }

  close(): void {
    this.file.close();
  }
}
