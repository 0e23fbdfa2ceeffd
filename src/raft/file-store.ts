/**
 * The file-backed LogStore the broker uses: one write-ahead file per Raft node.
 *
 * ## On-disk format
 * Directory `dir` holds `raft.wal`, a sequence of frames of src/storage/framed-file.ts
 * (u32 payloadLength | u32 crc32c(payload) | payload, big-endian), each payload a record of
 * record-codec.ts.
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
import { join } from "node:path";
import { FramedFile, scanFrames } from "../storage/framed-file.ts";
import { decodeRecord, encodeRecord } from "./record-codec.ts";
import { applySave, EMPTY_HARD_STATE, type LogStore, type StoredState } from "./storage.ts";
import type { Entry, HardState, Snapshot } from "./types.ts";

export const WAL_FILE = "raft.wal";
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

export class FileStore implements LogStore {
  private state: { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] } = {
    hardState: EMPTY_HARD_STATE,
    snapshot: null,
    entries: [],
  };
  private readonly file: FramedFile;
  readonly recovery: RecoveryReport;

  private constructor(
    readonly dir: string,
    opts: FileStoreOptions,
  ) {
    this.file = FramedFile.open(join(dir, WAL_FILE), { fsync: opts.fsync, rewriteAboveBytes: opts.rewriteAboveBytes ?? DEFAULT_REWRITE_ABOVE_BYTES });
    this.recovery = this.recover();
  }

  /** Open (creating if needed) the store in `dir`, recovering from a torn tail. */
  static open(dir: string, opts: FileStoreOptions = {}): FileStore {
    return new FileStore(dir, opts);
  }

  private recover(): RecoveryReport {
    const bytes = this.file.readAll();
    let validBytes = 0;
    let records = 0;
    // Records are synced in order, so the first bad one can only start a torn tail: stop there.
    for (const frame of scanFrames(bytes, MAX_RECORD_BYTES)) {
      if (frame.payload === null || !frame.crcOk) break;
      let rec;
      try {
        rec = decodeRecord(frame.payload);
      } catch {
        break;
      }
      applySave(this.state, rec.hardState, rec.entries, rec.snapshot);
      validBytes = frame.end;
      records++;
    }
    const truncatedBytes = this.file.keepValidPrefix(validBytes, bytes.length);
    return { records, validBytes, truncatedBytes };
  }

  load(): StoredState {
    this.file.checkUsable();
    return { hardState: this.state.hardState, snapshot: this.state.snapshot, entries: [...this.state.entries] };
  }

  save(hardState: HardState | null, entries: readonly Entry[], snapshot: Snapshot | null): void {
    this.file.checkUsable();
    if (!hardState && entries.length === 0 && !snapshot) return;
    this.file.append(encodeRecord({ hardState, entries, snapshot }));
    applySave(this.state, hardState, entries, snapshot);
    if (this.file.wantsRewrite) this.rewrite();
  }

  /** Replace the file with one record holding the whole current state. */
  rewrite(): void {
    this.file.rewrite(encodeRecord({ hardState: this.state.hardState, snapshot: this.state.snapshot, entries: this.state.entries }));
  }

  fileSizeBytes(): number {
    return this.file.sizeBytes;
  }

  close(): void {
    this.file.close();
  }
}
