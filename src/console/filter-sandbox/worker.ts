/**
 * The sandbox worker (a Bun Worker thread): compiles the QuickJS wasm module once, then runs one
 * filter at a time for the host (./pool.ts), each in a fresh instance of that module with its own
 * linear memory, whose `maximum` is the engine's fixed initial memory plus the run's memoryBytes.
 * That maximum is the memory bound that holds: this QuickJS build has no malloc_usable_size, so
 * QuickJS's own malloc limit counts only per-block overhead and checks single allocations against
 * the limit, not their sum (measured: 3000 strings of 10 KB passed a 16 MiB limit). When the memory
 * cannot grow, malloc fails and QuickJS raises "out of memory". A fresh instance per run (~7–20 ms)
 * also means nothing of one run's heap is there for the next. Messages:
 *   host -> worker  { id, code, chunks, timeoutMs, memoryBytes, abort: SharedArrayBuffer(4) }
 *   worker -> host  { id, result: FilterResult, broken?: true }   (broken: replace this worker)
 *   worker -> host  { ready: true } once the module is loaded
 * The thread itself has the host's globals; the filter never sees them — it runs inside QuickJS
 * (./engine.ts) and reaches the thread only through the strings and numbers engine.ts reads back.
 */
import { readFileSync } from "node:fs";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { runInEngine } from "./engine.ts";
import type { Chunk } from "./chunks.ts";

declare const self: Worker;

interface RunRequest {
  id: number;
  code: string;
  chunks: Chunk[];
  timeoutMs: number;
  memoryBytes: number;
  abort: SharedArrayBuffer;
}

/** The module's own initial memory (INITIAL_MEMORY 16 MiB in this build), in 64 KiB pages. */
const ENGINE_INITIAL_PAGES = 256;
const PAGE_BYTES = 65536;

const wasmPath = new URL("emscripten-module.wasm", import.meta.resolve("@jitl/quickjs-wasmfile-release-sync")).pathname;
const wasmModule = await WebAssembly.compile(readFileSync(wasmPath));

async function freshEngine(memoryBytes: number) {
  const pages = ENGINE_INITIAL_PAGES + Math.ceil(memoryBytes / PAGE_BYTES);
  const wasmMemory = new WebAssembly.Memory({ initial: ENGINE_INITIAL_PAGES, maximum: pages });
  return await newQuickJSWASMModuleFromVariant(newVariant(variant as never, { wasmModule, wasmMemory }));
}

// One run at a time: a run is synchronous once its engine exists; requests queue behind it.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<RunRequest>) => {
  queue = queue.then(() => handle(event.data));
};

async function handle(req: RunRequest): Promise<void> {
  let mod;
  try {
    mod = await freshEngine(req.memoryBytes);
  } catch (e) {
    const message = `the filter sandbox could not start its engine: ${e instanceof Error ? e.message : String(e)}`;
    self.postMessage({ id: req.id, result: { matched: [], scanned: 0, error: { kind: "runtime", message } }, broken: true });
    return;
  }
  const res = runInEngine(mod, {
    code: req.code,
    chunks: req.chunks,
    timeoutMs: req.timeoutMs,
    memoryBytes: req.memoryBytes,
    abortFlag: new Int32Array(req.abort),
  });
  const { broken, ...result } = res;
  self.postMessage({ id: req.id, result, broken: broken === true });
}
self.postMessage({ ready: true });
