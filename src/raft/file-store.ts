/**
 * The file-backed LogStore the broker uses: one write-ahead file per Raft node.
 *
 * ## On-disk format
 * Directory `dir` holds `raft.wal`, a sequence of records, each
 *
 *   u32 payloadLength | u32 crc32c(payload) | payload          (big-endian; payload: record-codec.ts)
 *
 * Each record is one `save()` call — the snapshot, entries and hard state of one Ready — so a write
 * is all-or-nothing on recovery. The state is the result of replaying every record in order with
 * the `applySave` rules (storage.ts).
 *
 * ## Durability
 * `save()` appends the record and calls fdatasync before returning (unless `fsync: false`, for
 * benchmarks only). If the write or the sync fails the store refuses every further call: the
 * caller must crash the node, because it cannot know what reached the disk.
 *
 * ## Recovery
 * `open()` reads the file front to back and stops at the first record that is incomplete (length
 * runs past the end), fails its checksum, or does not decode. Records are synced in order, so that
 * can only be a torn tail left by a crash mid-write: the file is truncated to the end of the last
 * good record and synced before use.
 *
 * ## Compaction of the file
 * When the file exceeds `rewriteAboveBytes` and twice its size after the last rewrite, the whole
 * current state is written as a single record to `raft.wal.tmp`, synced, renamed over `raft.wal`,
 * and the directory is synced — so a crash leaves either the old file or the new one.
 */
import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32c } from "../native/index.ts";
import { decodeRecord, encodeRecord } from "./record-codec.ts";
import { applySave, EMPTY_HARD_STATE, type LogStore, type StoredState } from "./storage.ts";
import type { Entry, HardState, Snapshot } from "./types.ts";

export const WAL_FILE = "raft.wal";
const HEADER_BYTES = 8;
/** Largest record accepted when reading; a larger length field can only be corruption. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
export const DEFAULT_REWRITE_ABOVE_BYTES = 64 * 1024 * 1024;

export interface FileStoreOptions {
  /** fdatasync every save (default true). Turning it off loses acknowledged data on power loss. */
  readonly fsync?: boolean;
  readonly rewriteAboveBytes?: number;
}

export interface RecoveryReport {
  readonly records: number;
  readonly validBytes: number;
  /** Bytes cut from the end of the file (a torn or corrupt tail). */
  readonly truncatedBytes: number;
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32c(payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  // Each iteration writes at least one byte or throws, so this ends.
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (n <= 0) throw new Error("write made no progress");
    done += n;
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FileStore implements LogStore {
  private state: { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] } = {
    hardState: EMPTY_HARD_STATE,
    snapshot: null,
    entries: [],
  };
  private fd: number;
  private sizeBytes = 0;
  private sizeAfterRewriteBytes = 0;
  private failed: Error | null = null;
  private readonly fsync: boolean;
  private readonly rewriteAboveBytes: number;
  readonly recovery: RecoveryReport;

  private constructor(
    readonly dir: string,
    opts: FileStoreOptions,
  ) {
    this.fsync = opts.fsync ?? true;
    this.rewriteAboveBytes = opts.rewriteAboveBytes ?? DEFAULT_REWRITE_ABOVE_BYTES;
    mkdirSync(dir, { recursive: true });
    const path = join(dir, WAL_FILE);
    this.fd = openSync(path, "a+");
    closeSync(this.fd);
    this.fd = openSync(path, "r+");
    syncDir(dir);
    this.recovery = this.recover(path);
    this.sizeAfterRewriteBytes = this.sizeBytes;
  }

  /** Open (creating if needed) the store in `dir`, recovering from a torn tail. */
  static open(dir: string, opts: FileStoreOptions = {}): FileStore {
    return new FileStore(dir, opts);
  }

  private recover(path: string): RecoveryReport {
    const bytes = new Uint8Array(readFileSync(path));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let off = 0;
    let records = 0;
    // Each iteration consumes at least HEADER_BYTES, so the loop is bounded by the file size.
    while (off + HEADER_BYTES <= bytes.length) {
      const len = view.getUint32(off);
      const crc = view.getUint32(off + 4);
      if (len > MAX_RECORD_BYTES || off + HEADER_BYTES + len > bytes.length) break;
      const payload = bytes.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
      if (crc32c(payload) !== crc) break;
      let rec;
      try {
        rec = decodeRecord(payload);
      } catch {
        break;
      }
      applySave(this.state, rec.hardState, rec.entries, rec.snapshot);
      off += HEADER_BYTES + len;
      records++;
    }
    const truncatedBytes = bytes.length - off;
    if (truncatedBytes > 0) {
      ftruncateSync(this.fd, off);
      fsyncSync(this.fd);
    }
    this.sizeBytes = off;
    return { records, validBytes: off, truncatedBytes };
  }

  load(): StoredState {
    this.checkUsable();
    return { hardState: this.state.hardState, snapshot: this.state.snapshot, entries: [...this.state.entries] };
  }

  save(hardState: HardState | null, entries: readonly Entry[], snapshot: Snapshot | null): void {
    this.checkUsable();
    if (!hardState && entries.length === 0 && !snapshot) return;
    const record = frame(encodeRecord({ hardState, entries, snapshot }));
    try {
      writeFully(this.fd, record, this.sizeBytes);
      if (this.fsync) fdatasyncSync(this.fd);
    } catch (e) {
      this.failed = e instanceof Error ? e : new Error(String(e));
      throw this.failed;
    }
    this.sizeBytes += record.length;
    applySave(this.state, hardState, entries, snapshot);
    if (this.sizeBytes > this.rewriteAboveBytes && this.sizeBytes > 2 * this.sizeAfterRewriteBytes) this.rewrite();
  }

  /** Replace the file with one record holding the whole current state. */
  rewrite(): void {
    this.checkUsable();
    const path = join(this.dir, WAL_FILE);
    const tmp = `${path}.tmp`;
    const record = frame(encodeRecord({ hardState: this.state.hardState, snapshot: this.state.snapshot, entries: this.state.entries }));
    try {
      const fd = openSync(tmp, "w");
      try {
        writeFully(fd, record, 0);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      syncDir(this.dir);
      closeSync(this.fd);
      this.fd = openSync(path, "r+");
    } catch (e) {
      this.failed = e instanceof Error ? e : new Error(String(e));
      throw this.failed;
    }
    this.sizeBytes = record.length;
    this.sizeAfterRewriteBytes = record.length;
  }

  fileSizeBytes(): number {
    return this.sizeBytes;
  }

  private checkUsable(): void {
    if (this.failed) throw new Error(`file store unusable after a failed write: ${this.failed.message}`);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
