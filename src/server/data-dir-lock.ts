/**
 * The data directory's exclusive lock, as Kafka's `.lock`: one broker per data directory.
 *
 *   <dataDir>/.lock   file content: "<pid>\n" of the holder (for the operator; never trusted)
 *
 * The lock itself is `flock(fd, LOCK_EX | LOCK_NB)` on that file, called through bun:ffi (a libc
 * symbol, no addon). The kernel drops a flock when its holder dies, so a broker killed with -9
 * never leaves a lock that blocks the next start, whatever the file still says. flock conflicts
 * between two open file descriptions even in one process, so a second in-process broker on the
 * same directory is refused too.
 *
 * Where libc's flock cannot be called (an unknown libc, or TAKHIN_LOCK_FALLBACK=1), the fallback is an O_EXCL
 * create of the same file holding the pid, with a liveness check of that pid (kill(pid, 0)): a
 * file whose pid is dead (or is this process's own, left by a crash before a restart in-process)
 * is stale and taken over. That fallback can be fooled by pid reuse; flock cannot.
 */
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync, ftruncateSync } from "node:fs";
import { join } from "node:path";
import { OperatorError } from "./lifecycle.ts";
import { processAlive } from "../util/process.ts";

export const LOCK_FILE = ".lock";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

type FlockFn = (fd: number, op: number) => number;
let flockFn: FlockFn | null | undefined;

function loadFlock(): FlockFn | null {
  if (flockFn !== undefined) return flockFn;
  flockFn = null;
  if (process.env.TAKHIN_LOCK_FALLBACK === "1") return null; // lets tests exercise the fallback
  try {
    const name = process.platform === "darwin" ? "libc.dylib" : process.platform === "linux" ? "libc.so.6" : null;
    if (!name) return null;
    const lib = dlopen(name, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
    const f = lib.symbols.flock as unknown as FlockFn;
    flockFn = (fd, op) => f(fd, op);
  } catch {
    flockFn = null;
  }
  return flockFn;
}

export interface DataDirLock {
  readonly path: string;
  /** "flock" or "pidfile" (the fallback). */
  readonly kind: "flock" | "pidfile";
  release(): void;
}

function lockedMessage(dataDir: string, holder: string): string {
  return `data directory ${dataDir} is in use by another broker${holder ? ` (pid ${holder})` : ""}; stop it or choose another data_dir`;
}

/** Takes the lock or throws an OperatorError naming the directory (and the holder's pid when known). */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const flock = loadFlock();
  if (flock) return lockWithFlock(dataDir, path, flock);
  return lockWithPidFile(dataDir, path);
}

function lockWithFlock(dataDir: string, path: string, flock: FlockFn): DataDirLock {
  const fd = openSync(path, "a+");
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    throw new OperatorError(lockedMessage(dataDir, readHolder(path)));
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  let released = false;
  return {
    path,
    kind: "flock",
    release() {
      if (released) return;
      released = true;
      // The file stays (as Kafka's .lock does); unlocking and closing is what frees it.
      try {
        ftruncateSync(fd, 0);
      } catch {
        // the directory may already be gone (a test removed it)
      }
      flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

function lockWithPidFile(dataDir: string, path: string): DataDirLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = readHolder(path);
      const pid = Number(holder);
      if (holder && Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) throw new OperatorError(lockedMessage(dataDir, holder));
      if (holder && pid === process.pid && heldHere.has(path)) throw new OperatorError(lockedMessage(dataDir, holder));
      rmSync(path, { force: true }); // stale: its holder is gone
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    heldHere.add(path);
    let released = false;
    return {
      path,
      kind: "pidfile",
      release() {
        if (released) return;
        released = true;
        heldHere.delete(path);
        rmSync(path, { force: true });
      },
    };
  }
  throw new OperatorError(lockedMessage(dataDir, readHolder(path)));
}

/** Pid files this process holds (the fallback cannot tell its own live lock from a stale one otherwise). */
const heldHere = new Set<string>();

function readHolder(path: string): string {
  try {
    return existsSync(path) ? readFileSync(path, "utf8").trim() : "";
  } catch {
    return "";
  }
}

