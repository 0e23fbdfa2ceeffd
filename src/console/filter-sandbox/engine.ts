/**
 * Runs one filter over chunks of messages inside QuickJS compiled to WebAssembly
 * (quickjs-emscripten-core with the release-sync variant). The VM has its own heap inside the wasm
 * module's linear memory and only the language's built-ins: no process, require, fetch, Bun, timers,
 * module loader or host objects — nothing of the host is ever handed in, only strings, numbers and
 * ArrayBuffers copied across. Each run gets a fresh runtime and context, so nothing a filter changes
 * (Object.prototype included) survives it.
 *
 * Bounds: the wasm instance's memory maximum (./worker.ts; past it malloc fails: "out of memory"),
 * its stack limit, and an interrupt handler QuickJS calls every few thousand bytecodes (also inside
 * RegExp matching) that stops the run at its deadline or when the host's abort flag is set. The
 * sandbox process around this (./worker.ts) is killed by the host if it still has not answered
 * shortly after that — the outer guard for anything the interrupt handler cannot reach.
 *
 * The filter is compiled with the VM's own `new Function("value", "key", "headers", "offset",
 * "partition", "timestamp", code)`, so the code is a function body and is never spliced into
 * other source text.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { CONSOLE_FILTER_MAX_ERROR_CHARS } from "../../limits.ts";
import { TABLE_STRIDE, type Chunk } from "./chunks.ts";
import type { FilterErrorKind, FilterResult } from "./types.ts";

/** QuickJS's C stack bound for the filter (deep recursion is a runtime error, not a crash). */
const MAX_STACK_BYTES = 256 * 1024;

const HARNESS = `(function (code) {
  "use strict";
  const f = new Function("value", "key", "headers", "offset", "partition", "timestamp", code);
  const parse = JSON.parse;
  const isPromise = (r) => r instanceof Promise;
  let out = new Int32Array(0), m = 0, done = 0;
  return {
    scan(text, tableBuf, n) {
      const t = new Float64Array(tableBuf);
      out = new Int32Array(n); m = 0; done = 0;
      let p = 0;
      for (let i = 0; i < n; i++) {
        const b = i * ${TABLE_STRIDE};
        const kl = t[b], vl = t[b + 1], ol = t[b + 2], hl = t[b + 3];
        let key = null, value = null, headers;
        if (kl >= 0) { key = text.substring(p, p + kl); p += kl; }
        if (vl >= 0) { value = text.substring(p, p + vl); p += vl; }
        const offset = text.substring(p, p + ol); p += ol;
        if (hl === 0) headers = {}; else { headers = parse(text.substring(p, p + hl)); p += hl; }
        const r = f(value, key, headers, offset, t[b + 4], t[b + 5]);
        if (r !== null && (typeof r === "object" || typeof r === "function") && isPromise(r))
          throw new TypeError("the filter returned a Promise: filters run synchronously (return true or false)");
        if (r) out[m++] = i;
        done = i + 1;
      }
    },
    take() {
      const res = new Int32Array(m + 1);
      for (let i = 0; i < m; i++) res[i] = out[i];
      res[m] = done;
      return res.buffer;
    },
  };
})`;

export interface EngineRun {
  code: string;
  chunks: Chunk[];
  timeoutMs: number;
  memoryBytes: number;
  /** [0] != 0 means the host aborted the run (a view of memory the host writes). */
  abortFlag: Int32Array;
  /**
   * False only in the test of the host's outer guard (TAKHIN_FILTER_SANDBOX_NO_INTERRUPT=1 in the
   * sandbox process): no interrupt handler, so only the host's SIGKILL can end an endless loop.
   */
  interrupts?: boolean;
}

class FilterFailure extends Error {
  constructor(readonly kind: FilterErrorKind, message: string) {
    super(message);
  }
}

function cut(s: string): string {
  return s.length > CONSOLE_FILTER_MAX_ERROR_CHARS ? `${s.slice(0, CONSOLE_FILTER_MAX_ERROR_CHARS)}…` : s;
}

/** Turns a QuickJS exception into a filter error; interrupted means timeout or abort. */
function classify(vm: QuickJSContext, errorHandle: QuickJSHandle, aborted: () => boolean, phase: "compile" | "scan"): FilterFailure {
  let name = "Error";
  let message = "";
  try {
    const e = vm.dump(errorHandle) as unknown;
    if (e && typeof e === "object") {
      const o = e as { name?: unknown; message?: unknown };
      name = typeof o.name === "string" ? o.name : "Error";
      message = typeof o.message === "string" ? o.message : String(o.message ?? "");
    } else message = String(e);
  } catch {
    message = "the filter threw a value that cannot be shown";
  } finally {
    errorHandle.dispose();
  }
  if (name === "InternalError" && message === "interrupted") {
    return aborted() ? new FilterFailure("aborted", "the filter run was cancelled") : new FilterFailure("timeout", "the filter ran out of time");
  }
  if (/out of memory/i.test(message)) return new FilterFailure("memory", "the filter ran out of memory");
  if (phase === "compile" && name === "SyntaxError") return new FilterFailure("syntax", cut(`SyntaxError: ${message}`));
  return new FilterFailure("runtime", cut(`${name}: ${message}`));
}

/**
 * Runs the filter over every chunk in order; stops at the first error. Never throws: a failure of
 * the engine itself is reported as a runtime error (and `broken` is set so the process is replaced).
 */
export function runInEngine(mod: QuickJSWASMModule, run: EngineRun): FilterResult & { broken?: boolean } {
  const state: { rt?: QuickJSRuntime; vm?: QuickJSContext; handles: QuickJSHandle[] } = { handles: [] };
  const result = attempt(mod, run, state);
  try {
    for (const h of state.handles) if (h.alive) h.dispose();
    state.vm?.dispose();
    state.rt?.dispose();
  } catch {
    // A runtime that cannot be freed cleanly is abandoned with its process (the host replaces it).
    result.broken = true;
  }
  return result;
}

function attempt(mod: QuickJSWASMModule, run: EngineRun, state: { rt?: QuickJSRuntime; vm?: QuickJSContext; handles: QuickJSHandle[] }): FilterResult & { broken?: boolean } {
  const matched: number[] = [];
  let scanned = 0;
  const deadline = Date.now() + run.timeoutMs;
  const aborted = () => Atomics.load(run.abortFlag, 0) !== 0;
  let interruptible = false;
  const keep = (h: QuickJSHandle) => (state.handles.push(h), h);
  try {
    if (aborted()) throw new FilterFailure("aborted", "the filter run was cancelled");
    const rt = (state.rt = mod.newRuntime());
    rt.setMemoryLimit(run.memoryBytes);
    rt.setMaxStackSize(MAX_STACK_BYTES);
    if (run.interrupts !== false) rt.setInterruptHandler(() => interruptible && (aborted() || Date.now() > deadline));
    const vm = (state.vm = rt.newContext());
    interruptible = true;
    const harness = vm.evalCode(HARNESS, "harness.js");
    if (harness.error) throw classify(vm, harness.error, aborted, "compile");
    const makeScanner = keep(harness.value);
    const codeHandle = keep(vm.newString(run.code));
    const made = vm.callFunction(makeScanner, vm.undefined, codeHandle);
    if (made.error) throw classify(vm, made.error, aborted, "compile");
    const scanner = keep(made.value);
    const scan = keep(vm.getProp(scanner, "scan"));
    const take = keep(vm.getProp(scanner, "take"));
    for (const chunk of run.chunks) {
      const textHandle = vm.newString(chunk.text);
      const tableHandle = vm.newArrayBuffer(chunk.table.buffer as ArrayBuffer);
      const countHandle = vm.newNumber(chunk.count);
      interruptible = true;
      const r = vm.callFunction(scan, vm.undefined, textHandle, tableHandle, countHandle);
      interruptible = false;
      textHandle.dispose();
      tableHandle.dispose();
      countHandle.dispose();
      // Read what the chunk kept before reporting its error (matched and scanned up to it).
      const t = vm.callFunction(take, vm.undefined);
      if (t.error) {
        if (r.error) r.error.dispose();
        throw classify(vm, t.error, aborted, "scan");
      }
      const bytes = vm.getArrayBuffer(t.value);
      const ints = new Int32Array(bytes.value.slice().buffer);
      bytes.dispose();
      t.value.dispose();
      const done = ints[ints.length - 1]!;
      if (!(done >= 0 && done <= chunk.count)) throw new FilterFailure("runtime", "the filter tampered with the sandbox's results");
      let last = -1;
      for (let i = 0; i < ints.length - 1; i++) {
        const idx = ints[i]!;
        if (!(idx > last && idx < done)) throw new FilterFailure("runtime", "the filter tampered with the sandbox's results");
        matched.push(chunk.base + idx);
        last = idx;
      }
      scanned += done;
      if (r.error) throw classify(vm, r.error, aborted, "scan");
      r.value.dispose();
      if (done < chunk.count) throw new FilterFailure("runtime", "the filter tampered with the sandbox's results");
    }
    return { matched, scanned };
  } catch (e) {
    if (e instanceof FilterFailure) return { matched, scanned, error: { kind: e.kind, message: e.message } };
    const message = e instanceof Error ? e.message : String(e);
    // quickjs-emscripten raises host-side errors when QuickJS cannot allocate a handle's value.
    if (/out of memory|memory limit|memory access out of bounds/i.test(message)) {
      return { matched, scanned, error: { kind: "memory", message: "the filter ran out of memory" }, broken: /out of bounds/.test(message) };
    }
    return { matched, scanned, error: { kind: "runtime", message: cut(`sandbox failure: ${message}`) }, broken: true };
  } finally {
    interruptible = false;
  }
}
