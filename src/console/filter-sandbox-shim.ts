/**
 * TEMPORARY stand-in for src/console/filter-sandbox (engineer "console-parts" builds the real
 * sandbox with bounded memory and no host access); same signature, so the console switches by
 * changing one import (api/filter.ts). This shim runs the filter in a Bun Worker whose global
 * scope has process, Bun, fetch, require and friends removed, terminated after timeoutMs; it does
 * not bound memory.
 */
export interface FilterLimits {
  timeoutMs: number;
  memoryBytes: number;
  maxScanned: number;
}
export interface FilterMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}
export interface FilterResult {
  matched: number[];
  scanned: number;
  error?: { kind: "timeout" | "memory" | "syntax" | "runtime" | "aborted"; message: string };
}

export async function runFilter(code: string, messages: FilterMessage[], limits: FilterLimits, signal?: AbortSignal): Promise<FilterResult> {
  const list = messages.slice(0, limits.maxScanned);
  if (signal?.aborted) return { matched: [], scanned: 0, error: { kind: "aborted", message: "the filter was cancelled" } };
  const worker = new Worker(new URL("./filter-shim-worker.ts", import.meta.url).href);
  return await new Promise<FilterResult>((resolve) => {
    let done = false;
    const finish = (r: FilterResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ matched: [], scanned: 0, error: { kind: "timeout", message: `the filter ran longer than ${limits.timeoutMs} ms` } }), limits.timeoutMs);
    const onAbort = () => finish({ matched: [], scanned: 0, error: { kind: "aborted", message: "the filter was cancelled" } });
    signal?.addEventListener("abort", onAbort);
    worker.onmessage = (e: MessageEvent) => finish(e.data as FilterResult);
    worker.onerror = (e) => finish({ matched: [], scanned: 0, error: { kind: "runtime", message: String((e as ErrorEvent).message ?? e) } });
    worker.postMessage({ code, messages: list });
  });
}
