/**
 * A CRC-framed append-only file with atomic rewrite: the shared mechanics of the Raft write-ahead
 * file (src/raft/file-store.ts) and the metadata log (src/metadata/metadata-log.ts). What a payload
 * means, and how strictly a bad frame is judged at recovery, stay with each owner.
 *
 * ## Frame format (big-endian)
 *
 *   frame := u32 payloadLength | u32 crc32c(payload) | payload
 *
 * ## Durability
 * `append` writes one frame at the end and fdatasyncs it (unless `fsync: false`). If the write or
 * the sync fails the file refuses every later call: what reached the disk is unknown, so the owner
 * must stop rather than guess.
 *
 * ## Rewrite
 * `rewrite(payload)` replaces the whole file with one frame: written to `<path>.tmp`, synced,
 * renamed over the file, the directory synced — a crash leaves the old file or the new one.
 * `wantsRewrite` says when the file exceeds `rewriteAboveBytes` and twice its size after the last
 * rewrite (or open), so rewrites stay amortised.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { crc32c } from "../native/index.ts";
import { fsyncDir, writeFully } from "./file-io.ts";
import { timedSync } from "./sync-stats.ts";

export const FRAME_HEADER_BYTES = 8;

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32c(payload));
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** One frame as found in the file. `payload` is null when the frame runs past the end of the bytes. */
export interface ScannedFrame {
  /** Byte position of the frame's header. */
  readonly pos: number;
  /** Position just past the frame (may exceed the bytes' length when `payload` is null). */
  readonly end: number;
  readonly lengthBytes: number;
  /** The length field is above `maxFrameBytes`: nothing after it can be trusted. */
  readonly oversized: boolean;
  readonly payload: Uint8Array | null;
  readonly crcOk: boolean;
}

/**
 * The frames of `bytes`, front to back, ending with the first oversized or incomplete one (or the
 * last whole one). The caller decides what a bad frame means and stops iterating when it wants.
 */
export function* scanFrames(bytes: Uint8Array, maxFrameBytes: number): Generator<ScannedFrame> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  // Each step consumes at least FRAME_HEADER_BYTES or ends, so the loop is bounded by the size.
  while (pos + FRAME_HEADER_BYTES <= bytes.length) {
    const lengthBytes = view.getUint32(pos);
    const end = pos + FRAME_HEADER_BYTES + lengthBytes;
    if (lengthBytes > maxFrameBytes) {
      yield { pos, end, lengthBytes, oversized: true, payload: null, crcOk: false };
      return;
    }
    if (end > bytes.length) {
      yield { pos, end, lengthBytes, oversized: false, payload: null, crcOk: false };
      return;
    }
    const payload = bytes.subarray(pos + FRAME_HEADER_BYTES, end);
    yield { pos, end, lengthBytes, oversized: false, payload, crcOk: crc32c(payload) === view.getUint32(pos + 4) };
    pos = end;
  }
}

export interface FramedFileOptions {
  /** fdatasync every append (default true). Off only where durability is not wanted (benchmarks, some tests). */
  readonly fsync?: boolean;
  readonly rewriteAboveBytes: number;
}

export class FramedFile {
  private fd: number;
  private size = 0;
  private sizeAfterRewrite = 0;
  private failed: Error | null = null;
  private readonly fsync: boolean;
  private readonly rewriteAboveBytes: number;

  private constructor(
    readonly path: string,
    fd: number,
    opts: FramedFileOptions,
  ) {
    this.fd = fd;
    this.fsync = opts.fsync ?? true;
    this.rewriteAboveBytes = opts.rewriteAboveBytes;
  }

  /** Opens `path`, creating it (and its directory, synced) when missing. Call `keepValidPrefix` before appending. */
  static open(path: string, opts: FramedFileOptions): FramedFile {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    const created = !existsSync(path);
    const fd = openSync(path, created ? "w+" : "r+");
    if (created) fsyncDir(dir);
    return new FramedFile(path, fd, opts);
  }

  /** The whole file as it is on disk (read once at recovery). */
  readAll(): Uint8Array {
    return new Uint8Array(readFileSync(this.path));
  }

  /**
   * Keeps the first `validBytes` (the frames recovery accepted): a longer file is cut and synced.
   * Returns the bytes cut. Appends continue at `validBytes`.
   */
  keepValidPrefix(validBytes: number, fileBytes: number): number {
    const cut = fileBytes - validBytes;
    if (cut > 0) {
      ftruncateSync(this.fd, validBytes);
      fsyncSync(this.fd);
    }
    this.size = validBytes;
    this.sizeAfterRewrite = validBytes;
    return cut;
  }

  get sizeBytes(): number {
    return this.size;
  }

  get wantsRewrite(): boolean {
    return this.size > this.rewriteAboveBytes && this.size > 2 * this.sizeAfterRewrite;
  }

  /** Appends one frame durably; throws (and refuses every later call) if the write or sync fails. */
  append(payload: Uint8Array): void {
    this.checkUsable();
    const frame = encodeFrame(payload);
    try {
      writeFully(this.fd, frame, this.size);
      if (this.fsync) timedSync("wal", () => fdatasyncSync(this.fd));
    } catch (e) {
      throw this.fail(e);
    }
    this.size += frame.length;
  }

  /** Replaces the file with one frame holding `payload`. */
  rewrite(payload: Uint8Array): void {
    this.checkUsable();
    const tmp = `${this.path}.tmp`;
    const frame = encodeFrame(payload);
    try {
      const fd = openSync(tmp, "w");
      try {
        writeFully(fd, frame, 0);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path);
      fsyncDir(dirname(this.path));
      closeSync(this.fd);
      this.fd = openSync(this.path, "r+");
    } catch (e) {
      throw this.fail(e);
    }
    this.size = frame.length;
    this.sizeAfterRewrite = frame.length;
  }

  checkUsable(): void {
    if (this.failed) throw new Error(`${this.path} unusable after a failed write: ${this.failed.message}`);
    if (this.fd < 0) throw new Error(`${this.path} is closed`);
  }

  private fail(e: unknown): Error {
    this.failed = e instanceof Error ? e : new Error(String(e));
    return this.failed;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
