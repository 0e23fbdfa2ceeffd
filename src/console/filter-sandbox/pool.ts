/**
 * The host side of the sandbox processes: at most CONSOLE_FILTER_WORKERS `bun` child processes
 * (./worker.ts; made on demand, kept idle between runs, unref'd so they never keep the host alive),
 * a bounded queue of runs waiting for one, and the outer guard — a process that has not answered
 * CONSOLE_FILTER_TERMINATE_GRACE_MS after its run's deadline or abort is killed with SIGKILL and
 * replaced. The filter runs in the child, so the host's event loop keeps serving meanwhile.
 *
 * Why processes and not Worker threads: measured in Bun 1.4.5, Worker.terminate() does not stop a
 * thread that is inside WebAssembly (a QuickJS `for(;;){}` without an interrupt handler kept its core
 * busy after terminate(), and no close event came); SIGKILL ends a process wherever it is.
 * Abort: each process shares a 4 KiB file with the host (Bun.mmap); the host writes 1 to abort.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import {
  CONSOLE_FILTER_MAX_QUEUED_RUNS,
  CONSOLE_FILTER_TERMINATE_GRACE_MS,
  CONSOLE_FILTER_WORKERS,
} from "../../limits.ts";
import type { Chunk } from "./chunks.ts";
import type { FilterErrorKind, FilterResult } from "./types.ts";

export interface PoolRun {
  code: string;
  chunks: Chunk[];
  timeoutMs: number;
  memoryBytes: number;
  signal?: AbortSignal;
}

type Message = { ready?: boolean; id?: number; result?: FilterResult; broken?: boolean };

interface Slot {
  proc: Subprocess;
  /** The first int32 of the file the child maps: 1 aborts its run in progress. */
  flag: Int32Array;
  flagFile: string;
  ready: Promise<void>;
  busy: boolean;
  exited: boolean;
  onMessage?: (m: Message) => void;
  onExit?: () => void;
}

const WORKER_PATH = new URL("./worker.ts", import.meta.url).pathname;

let slots: Slot[] = [];
const waiting: Array<() => void> = [];
let nextId = 1;
let flagDir: string | undefined;
let flagSeq = 0;

function spawn(): Slot {
  flagDir ??= mkdtempSync(join(tmpdir(), "takhin-filter-"));
  const flagFile = join(flagDir, `abort-${flagSeq++}`);
  writeFileSync(flagFile, new Uint8Array(4096));
  const flag = new Int32Array(Bun.mmap(flagFile).buffer, 0, 1);
  let markReady: () => void = () => {};
  let markFailed: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => {});
  const slot = { flag, flagFile, ready, busy: false, exited: false } as Slot;
  slot.proc = Bun.spawn([process.execPath, WORKER_PATH, flagFile], {
    stdio: ["ignore", "ignore", "inherit"],
    serialization: "advanced",
    env: { ...process.env },
    ipc(message: Message) {
      if (message?.ready) markReady();
      else slot.onMessage?.(message);
    },
    onExit() {
      slot.exited = true;
      markFailed(new Error("the filter sandbox process exited while starting"));
      slot.onExit?.();
      slots = slots.filter((s) => s !== slot);
      rmSync(slot.flagFile, { force: true });
    },
  });
  slot.proc.unref();
  slots.push(slot);
  return slot;
}

function retire(slot: Slot): void {
  slots = slots.filter((s) => s !== slot);
  if (!slot.exited) slot.proc.kill("SIGKILL");
}

function release(slot: Slot): void {
  slot.busy = false;
  const next = waiting.shift();
  if (next) next();
}

async function acquire(signal?: AbortSignal): Promise<Slot | "aborted" | "busy"> {
  for (;;) {
    if (signal?.aborted) return "aborted";
    const idle = slots.find((s) => !s.busy);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (slots.length < CONSOLE_FILTER_WORKERS) {
      const s = spawn();
      s.busy = true;
      return s;
    }
    if (waiting.length >= CONSOLE_FILTER_MAX_QUEUED_RUNS) return "busy";
    await new Promise<void>((resolve) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = waiting.indexOf(wake);
        if (i >= 0) waiting.splice(i, 1);
        resolve();
      };
      waiting.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function failure(kind: FilterErrorKind, message: string): FilterResult {
  return { matched: [], scanned: 0, error: { kind, message } };
}

/** Runs one filter on a worker; resolves with the worker's answer or the outer guard's verdict. */
export async function runOnWorker(run: PoolRun): Promise<FilterResult> {
  const slot = await acquire(run.signal);
  if (slot === "aborted") return failure("aborted", "the filter run was cancelled");
  if (slot === "busy") return failure("runtime", "the filter sandbox is busy: too many filter runs are waiting");
  try {
    await slot.ready;
  } catch (e) {
    retire(slot);
    release(slot);
    return failure("runtime", e instanceof Error ? e.message : String(e));
  }
  const id = nextId++;
  Atomics.store(slot.flag, 0, 0);
  return await new Promise<FilterResult>((resolve) => {
    let settled = false;
    let guard: ReturnType<typeof setTimeout> | undefined;
    const finish = (result: FilterResult, replace: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      slot.onMessage = undefined;
      slot.onExit = undefined;
      run.signal?.removeEventListener("abort", onAbort);
      if (replace) retire(slot);
      release(slot);
      resolve(result);
    };
    slot.onMessage = (data) => {
      if (data.id !== id || !data.result) return;
      finish(data.result, data.broken === true);
    };
    slot.onExit = () => finish(failure("runtime", "the filter sandbox process exited during the run"), true);
    const onAbort = () => {
      Atomics.store(slot.flag, 0, 1);
      clearTimeout(guard);
      guard = setTimeout(() => finish(failure("aborted", "the filter run was cancelled"), true), CONSOLE_FILTER_TERMINATE_GRACE_MS);
    };
    if (run.signal?.aborted) Atomics.store(slot.flag, 0, 1);
    else run.signal?.addEventListener("abort", onAbort, { once: true });
    guard = setTimeout(() => finish(failure("timeout", "the filter ran out of time"), true), run.timeoutMs + CONSOLE_FILTER_TERMINATE_GRACE_MS);
    if (slot.exited) {
      finish(failure("runtime", "the filter sandbox process exited"), true);
      return;
    }
    slot.proc.send({ id, code: run.code, chunks: run.chunks, timeoutMs: run.timeoutMs, memoryBytes: run.memoryBytes });
  });
}

/** Pids of the sandbox processes alive now (tests of the outer guard). */
export function filterSandboxPids(): number[] {
  return slots.filter((s) => !s.exited).map((s) => s.proc.pid);
}

/** Kills every sandbox process (tests; a server shutting down). Runs in progress are not waited for. */
export function closeFilterSandbox(): void {
  for (const s of slots) if (!s.exited) s.proc.kill("SIGKILL");
  slots = [];
}

/** Starts the processes ahead of the first run (a process and the QuickJS module take ~100 ms). */
export async function warmFilterSandbox(): Promise<void> {
  while (slots.length < CONSOLE_FILTER_WORKERS) spawn();
  await Promise.all(slots.map((s) => s.ready));
}
