/**
 * The sandbox process (a `bun` child process of the host, talking over IPC): compiles the QuickJS wasm module once, then runs one
 * filter at a time for the host (./pool.ts), each in a fresh instance of that module with its own
 * linear memory, whose `maximum` is the engine's fixed initial memory plus the run's memoryBytes.
 * That maximum is the memory bound that holds: this QuickJS build has no malloc_usable_size, so
 * QuickJS's own malloc limit counts only per-block overhead and checks single allocations against
 * the limit, not their sum (measured: 3000 strings of 10 KB passed a 16 MiB limit). When the memory
 * cannot grow, malloc fails and QuickJS raises "out of memory". A fresh instance per run (~7–20 ms)
 * also means nothing of one run's heap is there for the next. Messages (Bun IPC, "advanced" serialization, so the chunks' Float64Arrays cross as such):
 *   host -> child  { id, code, chunks, timeoutMs, memoryBytes }
 *   child -> host  { id, result: FilterResult, broken?: true }   (broken: replace this process)
 *   child -> host  { ready: true } once the module is compiled
 * Abort: argv[2] is a 4 KiB file both processes map (Bun.mmap, shared); the host writes 1 into its
 * first int32 to abort the run in progress and 0 before each run; the interrupt handler reads it.
 * The process itself has Bun's globals; the filter never sees them — it runs inside QuickJS
 * (./engine.ts) and reaches the process only through the strings and numbers engine.ts reads
 * back. The host SIGKILLs this process when it does not answer in time (./pool.ts). It exits when
 * the host goes (IPC disconnect).
 */
import { readFileSync } from "node:fs";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { runInEngine } from "./engine.ts";
import type { Chunk } from "./chunks.ts";

interface RunRequest {
  id: number;
  code: string;
  chunks: Chunk[];
  timeoutMs: number;
  memoryBytes: number;
}

const abortFlag = new Int32Array(Bun.mmap(process.argv[2]!).buffer, 0, 1);
const send = (m: unknown) => process.send!(m);

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
process.on("message", (req: RunRequest) => {
  queue = queue.then(() => handle(req));
});
process.on("disconnect", () => process.exit(0));

async function handle(req: RunRequest): Promise<void> {
  let mod;
  try {
    mod = await freshEngine(req.memoryBytes);
  } catch (e) {
    const message = `the filter sandbox could not start its engine: ${e instanceof Error ? e.message : String(e)}`;
    send({ id: req.id, result: { matched: [], scanned: 0, error: { kind: "runtime", message } }, broken: true });
    return;
  }
  const res = runInEngine(mod, {
    code: req.code,
    chunks: req.chunks,
    timeoutMs: req.timeoutMs,
    memoryBytes: req.memoryBytes,
    abortFlag,
    interrupts: process.env.TAKHIN_FILTER_SANDBOX_NO_INTERRUPT !== "1",
  });
  const { broken, ...result } = res;
  send({ id: req.id, result, broken: broken === true });
}
send({ ready: true });
