/**
 * JavaScript message filters for the console, run in a sandbox: QuickJS compiled to WebAssembly
 * (./engine.ts) in a child process (./worker.ts, ./pool.ts). Why this mechanism, and the figures behind it, are
 * in docs/console-filters.md.
 *
 * `runFilter(code, messages, limits, signal)`: `code` is a function body that sees `value`, `key`,
 * `headers`, `offset`, `partition` and `timestamp` and returns truthy to keep the message, e.g.
 * `return value !== null && JSON.parse(value).amount > 100`. It never throws for anything the filter
 * does; what went wrong is in `error`, with what was matched and scanned before it.
 */
import {
  CONSOLE_FILTER_CHUNK_MESSAGES,
  CONSOLE_FILTER_CHUNK_TEXT_UNITS,
  CONSOLE_FILTER_MAX_CODE_BYTES,
  CONSOLE_FILTER_MAX_MEMORY_BYTES,
  CONSOLE_FILTER_MAX_SCANNED,
  CONSOLE_FILTER_MAX_TIMEOUT_MS,
} from "../../limits.ts";
import { encodeChunks } from "./chunks.ts";
import { runOnWorker } from "./pool.ts";
import type { FilterLimits, FilterMessage, FilterResult } from "./types.ts";

export type { FilterErrorKind, FilterLimits, FilterMessage, FilterResult } from "./types.ts";
export { closeFilterSandbox, filterSandboxPids, warmFilterSandbox } from "./pool.ts";

/** The smallest heap a run may have: QuickJS's own runtime and context need about this much. */
const MIN_MEMORY_BYTES = 1024 * 1024;

function clamp(n: number, lo: number, hi: number): number {
  if (!Number.isFinite(n)) return hi;
  return Math.min(hi, Math.max(lo, Math.floor(n)));
}

export async function runFilter(code: string, messages: FilterMessage[], limits: FilterLimits, signal?: AbortSignal): Promise<FilterResult> {
  if (signal?.aborted) return { matched: [], scanned: 0, error: { kind: "aborted", message: "the filter run was cancelled" } };
  if (typeof code !== "string") return { matched: [], scanned: 0, error: { kind: "syntax", message: "the filter code must be a string" } };
  const codeBytes = Buffer.byteLength(code, "utf8");
  if (codeBytes > CONSOLE_FILTER_MAX_CODE_BYTES) {
    return { matched: [], scanned: 0, error: { kind: "syntax", message: `the filter code is ${codeBytes} bytes; at most ${CONSOLE_FILTER_MAX_CODE_BYTES} are accepted` } };
  }
  const timeoutMs = clamp(limits.timeoutMs, 1, CONSOLE_FILTER_MAX_TIMEOUT_MS);
  const memoryBytes = clamp(limits.memoryBytes, MIN_MEMORY_BYTES, CONSOLE_FILTER_MAX_MEMORY_BYTES);
  const count = Math.min(messages.length, clamp(limits.maxScanned, 0, CONSOLE_FILTER_MAX_SCANNED));
  // A chunk's text lives in the heap while it is scanned (twice: as sent and as a JS string).
  const chunkUnits = Math.max(1, Math.min(CONSOLE_FILTER_CHUNK_TEXT_UNITS, Math.floor(memoryBytes / 16)));
  const chunks = encodeChunks(messages, count, CONSOLE_FILTER_CHUNK_MESSAGES, chunkUnits);
  return await runOnWorker({ code, chunks, timeoutMs, memoryBytes, signal });
}
