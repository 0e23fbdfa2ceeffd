/**
 * Small file helpers for storage: whole positional writes, preallocation, durable small-file
 * replacement, directory fsync, and the record of which files this process has memory-mapped
 * (a mapped file must never shrink: truncating it crashes the process with SIGBUS on access, and
 * Bun releases a mapping only when the array is garbage-collected).
 */
import { dlopen, FFIType } from "bun:ffi";
import fs from "node:fs";
import path from "node:path";
import { ZERO_FILL_CHUNK_BYTES } from "./config.ts";
import { timedSync, type SyncKind } from "./sync-stats.ts";

/**
 * The file-I/O fault seam: tests set these to make a segment write or an fsync fail as a dying
 * disk would (EIO), a fault no real test can otherwise produce. Production code never sets them.
 */
export const fileFaults: {
  beforeWrite: ((fd: number, position: number, length: number) => void) | null;
  beforeSync: ((fd: number) => void) | null;
} = { beforeWrite: null, beforeSync: null };

/** Writes all of `bytes` at `position`; throws on failure (a short write is retried, not ignored). */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  fileFaults.beforeWrite?.(fd, position, bytes.length);
  let done = 0;
  while (done < bytes.length) {
    const written = fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (written <= 0) throw new Error(`write returned ${written} at position ${position + done}`);
    done += written;
  }
}

/**
 * Writes all of `bytes` at `position` on the runtime's I/O thread pool (fs.write), off the event
 * loop; `done` runs once, with the error or null. The caller keeps `bytes` unchanged and the
 * descriptor open until then. A short write continues where it stopped.
 */
export function writeFullyAsync(fd: number, bytes: Uint8Array, position: number, done: (error: Error | null) => void): void {
  try {
    fileFaults.beforeWrite?.(fd, position, bytes.length);
  } catch (error) {
    queueMicrotask(() => done(error as Error));
    return;
  }
  const step = (from: number) => {
    fs.write(fd, bytes, from, bytes.length - from, position + from, (error, written) => {
      if (error) return done(error);
      if (written <= 0) return done(new Error(`write returned ${written} at position ${position + from}`));
      if (from + written < bytes.length) return step(from + written);
      done(null);
    });
  };
  step(0);
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file). */
export function readAt(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

type Fallocate = (fd: number, mode: number, offset: number, length: number) => number;
type Syncfs = (fd: number) => number;

function loadLibc(): { fallocate: Fallocate | null; syncfs: Syncfs | null } {
  if (process.platform !== "linux") return { fallocate: null, syncfs: null };
  try {
    // bun:ffi is Bun-only; storage runs on Bun anyway (it needs Bun.mmap).
    const libc = dlopen("libc.so.6", {
      fallocate: { args: [FFIType.i32, FFIType.i32, FFIType.i64, FFIType.i64], returns: FFIType.i32 },
      syncfs: { args: [FFIType.i32], returns: FFIType.i32 },
    });
    return { fallocate: libc.symbols.fallocate as unknown as Fallocate, syncfs: libc.symbols.syncfs as unknown as Syncfs };
  } catch {
    return { fallocate: null, syncfs: null };
  }
}

const { fallocate, syncfs } = loadLibc();

/** Depth of open deferSync() calls; while above 0, syncFd and fsyncDir do nothing. */
let deferDepth = 0;

/**
 * Runs `work` with the storage's fsyncs deferred, then makes everything durable at once with one
 * syncfs(2) of the filesystem holding `dir` — for the many small durable writes of opening or
 * closing every partition (thousands of fsyncs otherwise). A caller that needs an order between
 * two groups of writes (data before the clean-shutdown markers that vouch for it) uses two calls.
 * Without syncfs the writes stay individually durable.
 */
export function deferSync<T>(dir: string, work: () => T): T {
  if (syncfs === null) return work();
  deferDepth++;
  try {
    return work();
  } finally {
    deferDepth--;
    if (deferDepth === 0) syncFilesystem(dir);
  }
}

function syncFilesystem(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    if (syncfs!(fd) !== 0) throw new Error(`syncfs failed for ${dir}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync (or fdatasync with dataOnly) unless inside deferSync(); timed under `kind` (sync-stats.ts). */
export function syncFd(fd: number, dataOnly = false, kind: SyncKind = "log"): void {
  if (deferDepth > 0) return;
  fileFaults.beforeSync?.(fd);
  timedSync(kind, () => {
    if (dataOnly) fs.fdatasyncSync(fd);
    else fs.fsyncSync(fd);
  });
}

/**
 * Grows the file to at least `sizeBytes`, reserving the blocks (fallocate) where the platform allows,
 * else as a sparse extension (ftruncate). Never shrinks.
 */
export function preallocate(fd: number, currentSizeBytes: number, sizeBytes: number): void {
  if (sizeBytes <= currentSizeBytes) return;
  if (fallocate && fallocate(fd, 0, currentSizeBytes, sizeBytes - currentSizeBytes) === 0) return;
  fs.ftruncateSync(fd, sizeBytes);
}

/** Overwrites [fromPos, toPos) with zeros, in bounded chunks. Never changes the file size. */
export function zeroFill(fd: number, fromPos: number, toPos: number): void {
  if (toPos <= fromPos) return;
  const zeros = new Uint8Array(Math.min(ZERO_FILL_CHUNK_BYTES, toPos - fromPos));
  for (let pos = fromPos; pos < toPos; pos += zeros.length) {
    writeFully(fd, zeros.subarray(0, Math.min(zeros.length, toPos - pos)), pos);
  }
}

/** Files (by device and inode) mapped at least once by this process. */
const mappedInodes = new Set<string>();

function inodeKey(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

export function noteMapped(fd: number): void {
  mappedInodes.add(inodeKey(fs.fstatSync(fd)));
}

export function wasMappedInThisProcess(fd: number): boolean {
  return mappedInodes.has(inodeKey(fs.fstatSync(fd)));
}

/**
 * Shrinks the file to `sizeBytes` only if this process never mapped it; otherwise leaves it as it is
 * (the bytes past the logical end stay, and the caller's rules make sure they are never read).
 * Returns whether the file was cut.
 */
export function truncateIfNeverMapped(fd: number, sizeBytes: number): boolean {
  const stat = fs.fstatSync(fd);
  if (stat.size <= sizeBytes) return false;
  if (mappedInodes.has(inodeKey(stat))) return false;
  fs.ftruncateSync(fd, sizeBytes);
  return true;
}

export function fsyncDir(dir: string): void {
  if (deferDepth > 0) return;
  let fd = -1;
  try {
    fd = fs.openSync(dir, "r");
    const dirFd = fd;
    timedSync("dir", () => fs.fsyncSync(dirFd));
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Replaces `filePath` atomically and durably: write a temp file, fsync, rename, fsync the dir. */
export function writeFileDurably(filePath: string, data: string | Uint8Array): void {
  const tmp = `${filePath}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    writeFully(fd, bytes, 0);
    syncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, filePath);
  fsyncDir(path.dirname(filePath));
}

/** The file's text, or null when it does not exist. */
export function readTextIfExists(filePath: string): string | null {
  try {
    return fs.readFileSync(filePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
