/**
 * The host side of the sandbox workers: at most CONSOLE_FILTER_WORKERS worker threads (made on
 * demand, kept idle between runs, unref'd so they never keep the process alive), a bounded queue of
 * runs waiting for one, and the outer guard — a worker that has not answered
 * CONSOLE_FILTER_TERMINATE_GRACE_MS after its run's deadline or abort is terminated and replaced.
 * The filter runs on the worker's thread, so the host's event loop keeps serving meanwhile.
 * Measured (Bun 1.4.5): terminate() does not interrupt a thread inside WebAssembly; the thread
 * ends when its run returns. The bound that holds is QuickJS's interrupt handler (engine.ts); the
 * guard makes the host answer and stop using that worker (docs/console-filters.md).
 */
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

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url).href;

let slots: Slot[] = [];
const waiting: Array<() => void> = [];
let nextId = 1;

function spawn(): Slot {
  const worker = new Worker(WORKER_URL);
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (e: MessageEvent) => {
      if ((e.data as { ready?: boolean })?.ready) {
        worker.removeEventListener("message", onMessage);
        resolve();
      }
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", (e) => reject(new Error(`filter sandbox worker failed to start: ${(e as ErrorEvent).message}`)), { once: true });
  });
  ready.catch(() => {});
  const slot: Slot = { worker, ready, busy: false };
  slots.push(slot);
  return slot;
}

function retire(slot: Slot): void {
  slots = slots.filter((s) => s !== slot);
  slot.worker.terminate();
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
  const abort = new SharedArrayBuffer(4);
  const flag = new Int32Array(abort);
  const id = nextId++;
  return await new Promise<FilterResult>((resolve) => {
    let settled = false;
    let guard: ReturnType<typeof setTimeout> | undefined;
    const finish = (result: FilterResult, replace: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      slot.worker.removeEventListener("message", onMessage);
      slot.worker.removeEventListener("error", onError);
      run.signal?.removeEventListener("abort", onAbort);
      if (replace) retire(slot);
      release(slot);
      resolve(result);
    };
    const onMessage = (e: MessageEvent) => {
      const data = e.data as { id?: number; result?: FilterResult; broken?: boolean };
      if (data.id !== id || !data.result) return;
      finish(data.result, data.broken === true);
    };
    const onError = (e: Event) => finish(failure("runtime", `filter sandbox worker failed: ${(e as ErrorEvent).message ?? "unknown"}`), true);
    const onAbort = () => {
      Atomics.store(flag, 0, 1);
      clearTimeout(guard);
      guard = setTimeout(() => finish(failure("aborted", "the filter run was cancelled"), true), CONSOLE_FILTER_TERMINATE_GRACE_MS);
    };
    slot.worker.addEventListener("message", onMessage);
    slot.worker.addEventListener("error", onError);
    if (run.signal?.aborted) Atomics.store(flag, 0, 1);
    else run.signal?.addEventListener("abort", onAbort, { once: true });
    guard = setTimeout(() => finish(failure("timeout", "the filter ran out of time"), true), run.timeoutMs + CONSOLE_FILTER_TERMINATE_GRACE_MS);
    slot.worker.postMessage(
      { id, code: run.code, chunks: run.chunks, timeoutMs: run.timeoutMs, memoryBytes: run.memoryBytes, abort },
      run.chunks.map((c) => c.table.buffer as ArrayBuffer),
    );
  });
}

/** Terminates every sandbox worker (tests; a server shutting down). Runs in progress are not waited for. */
export function closeFilterSandbox(): void {
  for (const s of slots) s.worker.terminate();
  slots = [];
}

/** Starts the workers ahead of the first run (the QuickJS module takes tens of milliseconds to load). */
export async function warmFilterSandbox(): Promise<void> {
  while (slots.length < CONSOLE_FILTER_WORKERS) spawn();
  await Promise.all(slots.map((s) => s.ready));
}
